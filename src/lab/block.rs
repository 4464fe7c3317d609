// SPDX-License-Identifier: GPL-2.0

//! The block an alias takes from a pages object: direct-mapped (`alloc NAME pages`) or
//! possibly highmem (`alloc NAME highpages`). One `vmap` may map both kinds side by side.

use kernel::{
    page::BorrowedPage,
    prelude::*, //
};

use crate::{
    lab::object::Memory,
    mm::{
        high_pages::HighPages,
        page_block::PageBlock,
        pages::{
            Pages,
            Placement, //
        },
    },
};

/// The block of a pages object, while an alias holds it.
pub(crate) enum Block {
    /// From `alloc NAME pages ORDER`: in the direct map.
    Direct(Pages),
    /// From `alloc NAME highpages ORDER`: maybe in ZONE_HIGHMEM, with no kernel address.
    High(HighPages),
}

impl Block {
    /// Takes the block out of a pages object's memory; gives the memory back otherwise.
    pub(crate) fn take(memory: Memory) -> Result<Self, Memory> {
        match memory {
            Memory::Pages(pages) => Ok(Self::Direct(pages)),
            Memory::HighPages(pages) => Ok(Self::High(pages)),
            other => Err(other),
        }
    }

    /// The pages object's memory again, for when the alias gives the block back.
    pub(crate) fn into_memory(self) -> Memory {
        match self {
            Self::Direct(pages) => Memory::Pages(pages),
            Self::High(pages) => Memory::HighPages(pages),
        }
    }
}

// SAFETY: Each variant is a `PageBlock`, and every call goes to it.
unsafe impl PageBlock for Block {
    fn count(&self) -> usize {
        match self {
            Self::Direct(pages) => PageBlock::count(pages),
            Self::High(pages) => PageBlock::count(pages),
        }
    }

    fn page(&self, index: usize) -> Option<BorrowedPage<'_>> {
        match self {
            Self::Direct(pages) => PageBlock::page(pages, index),
            Self::High(pages) => PageBlock::page(pages, index),
        }
    }

    fn placement(&self) -> Placement {
        match self {
            Self::Direct(pages) => PageBlock::placement(pages),
            Self::High(pages) => PageBlock::placement(pages),
        }
    }

    fn with_bytes<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> Result<R> {
        match self {
            Self::Direct(pages) => pages.with_bytes(f),
            Self::High(pages) => pages.with_bytes(f),
        }
    }
}
