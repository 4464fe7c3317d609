// SPDX-License-Identifier: GPL-2.0

//! Reaching an object's bytes wherever they are: in the object's own memory, in highmem pages
//! (through a vmap made for the access: they have no kernel address of their own), in the block
//! an alias holds for lent pages (see [`super::alias`]), or in a DMA buffer the edu device keeps
//! (see [`crate::edu::kept`]), which is gone once the device is unbound.
//!
//! The bytes are lent to a closure, so a DMA buffer is reached only while the device slot's
//! mutex is held: an unbind waits for the closure, and after it the answer is `ENODEV`.

use crate::{
    edu,
    lab::{control::LabTable, object::Memory, reply::Errno},
    mm::page_block::PageBlock,
};

/// Runs `f` on the bytes of the object with `id`.
///
/// # Errors
///
/// `NoEnt` when the object is gone; `Inval` when it has no bytes (a cache, a pool) or is
/// reached 32 bits at a time (an ioremap window); `NoDev` when its DMA buffer was revoked;
/// `NoMem` when highmem pages cannot be mapped for the access.
pub(crate) fn with_bytes<R>(
    table: &mut LabTable,
    id: u64,
    f: impl FnOnce(&mut [u8]) -> R,
) -> Result<R, Errno> {
    let object = &table.by_id(id).ok_or(Errno::NoEnt)?.value.object;
    match &object.memory {
        Memory::Lent { alias, block, .. } => {
            let (alias, block) = (*alias, *block);
            let holder = table.get_mut(alias.as_str()).map_err(|_| Errno::NoEnt)?;
            match &mut holder.object.memory {
                Memory::Vmap { map, .. } => map.with_block_bytes(block, f).map_err(mapping),
                Memory::Kmap { map, .. } => map.with_block_bytes(f).map_err(mapping),
                _ => Err(Errno::NoEnt),
            }
        }
        Memory::Dma { ticket, .. } => {
            let ticket = *ticket;
            edu::with_mut(|edu| edu.kept_dma(ticket).map(f))
                .and_then(|result| result)
                .map_err(|_| Errno::NoDev)
        }
        _ => {
            let object = &mut table.by_id_mut(id).ok_or(Errno::NoEnt)?.value.object;
            if let Memory::HighPages(block) = &mut object.memory {
                return block.with_bytes(f).map_err(mapping);
            }
            object.bytes_mut().map(f).ok_or(Errno::Inval)
        }
    }
}

/// The lab's errno for a block whose bytes could not be reached: `EINVAL` (no such block: the
/// alias and its pages disagree) is an object gone, anything else a mapping that failed.
fn mapping(err: kernel::error::Error) -> Errno {
    if err == kernel::error::code::EINVAL {
        Errno::NoEnt
    } else {
        Errno::NoMem
    }
}
