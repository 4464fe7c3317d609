// SPDX-License-Identifier: GPL-2.0

//! The block an alias takes from a pages object ([`Block`]: direct-mapped from `alloc NAME
//! pages`, or possibly highmem from `alloc NAME highpages`), and back again. One `vmap` may map
//! both kinds side by side.

use crate::{
    lab::object::Memory,
    mm::page_block::Block, //
};

/// Takes the block out of a pages object's memory; gives the memory back otherwise.
pub(crate) fn take(memory: Memory) -> Result<Block, Memory> {
    match memory {
        Memory::Pages(pages) => Ok(Block::Direct(pages)),
        Memory::HighPages(pages) => Ok(Block::High(pages)),
        other => Err(other),
    }
}

/// The pages object's memory again, for when the alias gives the block back.
pub(crate) fn into_memory(block: Block) -> Memory {
    match block {
        Block::Direct(pages) => Memory::Pages(pages),
        Block::High(pages) => Memory::HighPages(pages),
    }
}
