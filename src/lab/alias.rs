// SPDX-License-Identifier: GPL-2.0

//! Aliases in the lab: `vmap`, `kmap` and the one-shot `kmap_local`, over alloc_pages objects
//! (`pages`, direct-mapped, and `highpages`, which may have no kernel address: on a HIGHMEM
//! kernel these are where such pages get one).
//!
//! An alias takes the blocks it maps from their pages objects, as the wrappers' [`Vmap`] and
//! [`Kmap`] do, so no block can be freed while mapped. The pages objects stay in the table as
//! [`Memory::Lent`]: still named, still listed, their bytes still readable and writable through
//! `data/<name>`, `fill` and `check` (resolved here to the block inside the alias), but busy:
//! `free` answers `EBUSY` and a second alias cannot take them. Freeing the alias unmaps and
//! gives every block back to its pages object, under the lab mutex, so no command ever sees a
//! block in between.

use kernel::prelude::*;

use crate::{
    facts::VirtRange,
    lab::{
        block,
        control::{
            self,
            data_file,
            Lab,
            Slot,
            State, //
        },
        grammar::PageList,
        object::{
            Memory,
            Object, //
        },
        reply::{
            refuse,
            Outcome,
            Refusal, //
        },
        stats::Api,
        table::Name,
    },
    mm::{
        high_pages::LocalPage,
        kmap::Kmap,
        page_block::{
            Block,
            PageBlock, //
        },
        pages::Placement,
        vmap::Vmap, //
    },
    shim,
};

/// Checks that `name` is an alloc_pages object no alias holds, and returns its page count.
fn lendable(state: &State, name: &str) -> Outcome<usize> {
    match &state.table.get(name)?.value.object.memory {
        Memory::Pages(pages) => Ok(pages.count()),
        Memory::HighPages(pages) => Ok(pages.count()),
        Memory::Lent { alias, .. } => Err(refuse!(
            Busy,
            "'{name}' is mapped by '{}' (one alias at a time)",
            alias.as_str()
        )),
        _ => Err(refuse!(
            Inval,
            "'{name}' is not an alloc_pages object (alloc NAME pages|highpages ORDER)"
        )),
    }
}

/// Takes the block of pages object `name` for block `block` of alias `alias`, leaving it
/// [`Memory::Lent`]; `None` unless [`lendable`] accepted it.
fn lend(state: &mut State, name: &str, alias: &str, block: usize) -> Option<Block> {
    let object = &mut state.table.get_mut(name).ok()?.object;
    let (pfn, len) = match &object.memory {
        Memory::Pages(pages) => (pages.placement().pfn, pages.len()),
        Memory::HighPages(pages) => (
            pages.placement().pfn,
            pages.count() * kernel::page::PAGE_SIZE,
        ),
        _ => return None,
    };
    let lent = Memory::Lent {
        alias: Name::new(alias),
        block,
        address: object.address(),
        pfn,
        len,
    };
    // A pages object (checked just above, under the same borrow) gives its block.
    match block::take(core::mem::replace(&mut object.memory, lent)) {
        Ok(block) => Some(block),
        Err(other) => {
            object.memory = other;
            None
        }
    }
}

/// Gives `blocks` back to the pages objects `names`, in order. A block whose pages object is
/// gone (it cannot be: lent pages are busy) is freed.
fn give_back(state: &mut State, names: &[Name], blocks: impl IntoIterator<Item = Block>) {
    for (name, block) in names.iter().zip(blocks) {
        if let Ok(slot) = state.table.get_mut(name.as_str()) {
            slot.object.memory = block::into_memory(block);
        }
    }
}

/// What is left to drop of a freed object once an alias gave its blocks back: the object, or
/// `None` for an alias (its mapping is gone, its blocks are home).
pub(crate) fn detach(state: &mut State, object: Object) -> Option<Object> {
    match object.memory {
        Memory::Vmap { map, pages } => {
            give_back(state, &pages, map.into_pages());
            None
        }
        Memory::Kmap { map, pages } => {
            give_back(state, &[pages], [map.into_pages()]);
            None
        }
        memory => Some(Object { memory, ..object }),
    }
}

/// Takes the blocks of `names`, in order, for alias `alias`; on a failure gives back what it took.
fn lend_all(state: &mut State, names: &[&str], alias: &str) -> Outcome<KVec<Block>> {
    let mut blocks = KVec::with_capacity(names.len(), GFP_KERNEL)
        .map_err(|_| refuse!(NoMem, "{alias}: no memory for its block list"))?;
    let mut lent = KVec::with_capacity(names.len(), GFP_KERNEL)
        .map_err(|_| refuse!(NoMem, "{alias}: no memory for its block list"))?;
    for (block, name) in names.iter().enumerate() {
        let taken = lend(state, name, alias, block);
        let Some(pages) = taken else {
            give_back(state, &lent, blocks);
            return Err(refuse!(Busy, "'{name}' changed under {alias}"));
        };
        // Both have room for every name: pushing cannot allocate.
        let _ = lent.push_within_capacity(Name::new(name));
        let _ = blocks.push_within_capacity(pages);
    }
    Ok(blocks)
}

/// Inserts an alias that `admit` accepted, with its data file, and counts it. `admit` ran under
/// this same lock, so this does not fail; if it did, the blocks go home before the refusal.
fn insert(state: &mut State, name: &str, slot: Slot) -> Outcome {
    control::insert(state, name, 0, slot).map_err(|(refusal, slot)| {
        drop(detach(state, slot.object));
        refusal
    })
}

/// `vmap NAME PAGES [PAGES...]`.
pub(crate) fn vmap(lab: &Lab, state: &mut State, name: &str, pages: PageList<'_>) -> Outcome {
    let api = Api::Vmap;
    // An alias counts against the object limit, not the byte budget: its bytes are its pages'.
    state.table.admit(name, 0)?;
    for page in pages.names() {
        lendable(state, page)?;
    }
    let data = data_file(lab, state, name)?;
    let mut names = KVec::with_capacity(pages.names().len(), GFP_KERNEL)
        .map_err(|_| refuse!(NoMem, "{name}: no memory for its page list"))?;
    for page in pages.names() {
        let _ = names.push_within_capacity(Name::new(page));
    }
    let blocks = lend_all(state, pages.names(), name)?;
    let map = match Vmap::try_new(blocks) {
        Ok(map) => map,
        Err((err, blocks)) => {
            give_back(state, &names, blocks);
            return Err(if err == EINVAL {
                refuse!(Inval, "vmap {name}: too many pages")
            } else {
                refuse!(NoMem, "vmap failed: out of memory")
            });
        }
    };
    pr_info!(
        "vmap {name}: vmap({} pages, PAGE_KERNEL) = {:#x}, {} bytes\n",
        map.len() / kernel::page::PAGE_SIZE,
        map.addr(),
        map.len()
    );
    let object = Object {
        api,
        // CAST: `usize` fits `u64`.
        asked: map.len() as u64,
        gfp: None,
        parent: None,
        memory: Memory::Vmap { map, pages: names },
    };
    insert(state, name, Slot::new(data, object))
}

/// Checks that page `index` exists in a block of `count` pages.
fn page_index(name: &str, index: u64, count: usize) -> Outcome<usize> {
    usize::try_from(index)
        .ok()
        .filter(|index| *index < count)
        .ok_or_else(|| {
            refuse!(
                Inval,
                "'{name}' has {count} page(s): INDEX 0 to {}",
                count - 1
            )
        })
}

/// `kmap NAME PAGES [INDEX]`.
pub(crate) fn kmap(lab: &Lab, state: &mut State, name: &str, pages: &str, index: u64) -> Outcome {
    let api = Api::Kmap;
    state.table.admit(name, 0)?;
    let index = page_index(pages, index, lendable(state, pages)?)?;
    let data = data_file(lab, state, name)?;
    let mut blocks = lend_all(state, &[pages], name)?;
    let Some(block) = blocks.pop() else {
        return Err(refuse!(Busy, "'{pages}' changed under {name}"));
    };
    let map = match Kmap::new(block, index) {
        Ok(map) => map,
        Err((_, block)) => {
            give_back(state, &[Name::new(pages)], [block]);
            return Err(refuse!(Inval, "kmap {name}: '{pages}' has no page {index}"));
        }
    };
    pr_info!(
        "kmap {name}: kmap(page {index} of {pages}, pfn {:#x}, {}) = {:#x} in {}\n",
        map.block().placement().pfn + index as u64,
        map.block().placement().zone,
        map.addr(),
        where_mapped(map.addr())
    );
    let object = Object {
        api,
        asked: kernel::page::PAGE_SIZE as u64,
        gfp: None,
        parent: None,
        memory: Memory::Kmap {
            map,
            pages: Name::new(pages),
        },
    };
    insert(state, name, Slot::new(data, object))
}

/// `kmap_local PAGES INDEX`: maps the page for a moment, whether an alias holds its block or not.
pub(crate) fn kmap_local(state: &mut State, pages: &str, index: u64) -> Outcome {
    let (count, lent) = match &state.table.get(pages)?.value.object.memory {
        Memory::Pages(block) => (block.count(), None),
        Memory::HighPages(block) => (block.count(), None),
        Memory::Lent {
            alias, block, len, ..
        } => (len / kernel::page::PAGE_SIZE, Some((*alias, *block))),
        _ => return Err(refuse!(Inval, "'{pages}' is not an alloc_pages object")),
    };
    let index = page_index(pages, index, count)?;
    let address = |page: &mut LocalPage<'_>| page.addr();
    let mapped = match lent {
        None => match &mut state.table.get_mut(pages)?.object.memory {
            Memory::Pages(block) => local_at(block, index),
            Memory::HighPages(block) => local_at(block, index),
            _ => Err(EINVAL),
        },
        Some((alias, block)) => match &mut state.table.get_mut(alias.as_str())?.object.memory {
            Memory::Vmap { map, .. } => map.with_local(block, index, address).and_then(|mapped| {
                Ok((mapped, map.blocks().get(block).ok_or(EINVAL)?.placement()))
            }),
            Memory::Kmap { map, .. } => map
                .with_local(index, address)
                .map(|mapped| (mapped, map.block().placement())),
            _ => Err(EINVAL),
        },
    };
    let (mapped, block) =
        mapped.map_err(|_| refuse!(Inval, "kmap_local: '{pages}' has no page {index}"))?;
    pr_info!(
        "kmap_local {pages} {index}: kmap_local_page(pfn {:#x}, {}) = {mapped:#x} in {}, then kunmap_local\n",
        // CAST: `usize` fits `u64`.
        block.pfn + index as u64,
        block.zone,
        where_mapped(mapped)
    );
    state.stats.called(Api::KmapLocal);
    Ok(())
}

/// Where `kmap` or `kmap_local_page` put a page, by the kernel's areas (see `info`): a highmem
/// page in a slot of kmap's or kmap_local's area, a lowmem page at its direct-map address.
fn where_mapped(addr: usize) -> &'static str {
    let facts = shim::facts();
    // CAST: `usize` fits `u64`.
    let addr = addr as u64;
    let inside = |area: Option<VirtRange>| area.is_some_and(|area| area.contains(addr));
    if inside(facts.kmap_local_area) {
        "a kmap_local slot"
    } else if inside(facts.kmap_area) {
        "a pkmap slot"
    } else {
        "the direct map"
    }
}

/// Maps page `index` of `block` with `kmap_local_page` for a moment: where it was mapped, and
/// where the block lies.
fn local_at(block: &mut impl PageBlock, index: usize) -> Result<(usize, Placement)> {
    let mapped = block.with_local(index, |page| page.addr())?;
    Ok((mapped, block.placement()))
}

/// Why `free NAME` of a lent pages object is refused, or `None` if it is not lent.
pub(crate) fn busy(object: &Object, name: &str) -> Option<Refusal> {
    match &object.memory {
        Memory::Lent { alias, .. } => Some(refuse!(
            Busy,
            "'{name}' is mapped by '{}': free that first",
            alias.as_str()
        )),
        _ => None,
    }
}
