// SPDX-License-Identifier: GPL-2.0

//! Caches and pools in the lab: `cache create`, `pool create`, and finding them by name for
//! `alloc NAME cache:CACHE|pool:POOL` and `pool create ... slab:CACHE`.
//!
//! A cache or pool is an entry of the lab's table like any object (one namespace, one count
//! limit), without bytes or a data file. The table holds one `Arc` of it; every object made from
//! it holds another (the wrappers' owned forms), so the memory stays sound whatever is dropped
//! first. `EBUSY` on destroy while anything uses it is the lab's rule, checked in
//! [`super::control`].

use kernel::{
    prelude::*,
    str::CString,
    sync::Arc, //
};

use crate::{
    lab::{
        control::{
            self,
            kernel_refusal,
            size_within,
            Slot,
            State, //
        },
        grammar::PoolBacking,
        object::{
            Memory,
            Object, //
        },
        reply::{
            refuse,
            Outcome, //
        },
        stats::Api,
        table::Name,
    },
    mm::{
        fill_ctor, kmalloc,
        kmem_cache::{
            self,
            KmemCache,
            SlabFlags, //
        },
        mempool::{
            self,
            Backing,
            Mempool, //
        },
    },
    wide::Decimal,
};

/// The lab's cache `name`, for a new object or pool.
///
/// # Errors
///
/// `ENOENT` when nothing has that name; `EINVAL` when it is not a cache.
pub(crate) fn cache_named(state: &State, name: &str) -> Outcome<Arc<KmemCache>> {
    match &state.table.get(name)?.value.object.memory {
        Memory::Cache(cache) => Ok(cache.clone()),
        _ => Err(refuse!(Inval, "'{name}' is not a cache (see cache create)")),
    }
}

/// The lab's pool `name`, for a new element.
///
/// # Errors
///
/// `ENOENT` when nothing has that name; `EINVAL` when it is not a pool.
pub(crate) fn pool_named(state: &State, name: &str) -> Outcome<Arc<Mempool>> {
    match &state.table.get(name)?.value.object.memory {
        Memory::Pool(pool) => Ok(pool.clone()),
        _ => Err(refuse!(Inval, "'{name}' is not a pool (see pool create)")),
    }
}

/// Inserts a cache or pool that `admit` accepted, and counts it.
fn insert(state: &mut State, name: &str, bytes: u64, object: Object) -> Outcome {
    control::insert(state, name, bytes, Slot::without_data(object)).map_err(|(refusal, _)| refusal)
}

/// `cache create NAME SIZE [align=N] [flags=FLAGS]`.
pub(crate) fn create_cache(
    state: &mut State,
    name: &str,
    size: u64,
    align: u64,
    flags: Option<&str>,
    ctor: Option<u8>,
) -> Outcome {
    let api = Api::KmemCacheCreate;
    let size = size_within(api, size, kmem_cache::MAX_OBJECT_SIZE)?;
    let align = usize::try_from(align)
        .ok()
        .filter(|align| *align == 0 || (align.is_power_of_two() && *align <= kmem_cache::MAX_ALIGN))
        .ok_or_else(|| {
            refuse!(
                Inval,
                "align={}: 0 or a power of two up to {}",
                Decimal(align),
                kmem_cache::MAX_ALIGN
            )
        })?;
    let flags = match flags {
        None => SlabFlags::NONE,
        Some(text) => SlabFlags::parse(text)
            .map_err(|_| refuse!(Inval, "flags={text}: unknown slab flag (see help)"))?,
    };
    // A cache counts against the object limit, not the byte budget: its memory is its objects'.
    state.table.admit(name, 0)?;
    let no_memory = |_| refuse!(NoMem, "{name}: no memory for the cache's name");
    let c_name = CString::try_from_fmt(fmt!("{name}")).map_err(no_memory)?;
    // The lab copies objects to and from user space (data/): their caches must allow it.
    let cache = KmemCache::new_user_copyable(&c_name, size, align, flags, ctor);
    let cache = cache.map_err(|err| match err {
        EBUSY => refuse!(
            Busy,
            "{name}: {} caches with a constructor exist already",
            fill_ctor::SLOTS
        ),
        err => kernel_refusal(api, err),
    })?;
    let cache = Arc::new(cache, GFP_KERNEL).map_err(|_| kernel_refusal(api, ENOMEM))?;
    pr_info!(
        "cache create {name}: kmem_cache_create({}, {size}, align {align}, {flags}) = {:#x}\n",
        cache.name(),
        cache.as_raw() as usize
    );
    if let Some(byte) = cache.fill_byte() {
        pr_info!("cache create {name}: its constructor fills each new object with {byte:#04x}\n");
    }
    let object = Object {
        api,
        // CAST: `usize` fits `u64`.
        asked: size as u64,
        gfp: None,
        parent: None,
        memory: Memory::Cache(cache),
    };
    insert(state, name, 0, object)
}

/// `pool create NAME MIN_NR kmalloc:SIZE|slab:CACHE|pages:ORDER`.
pub(crate) fn create_pool(
    state: &mut State,
    name: &str,
    min_nr: u64,
    backing: PoolBacking<'_>,
) -> Outcome {
    let api = Api::MempoolCreate;
    if min_nr == 0 {
        return Err(refuse!(
            Inval,
            "{name}: min_nr 0 (a pool reserves at least one element)"
        ));
    }
    let min_nr = usize::try_from(min_nr)
        .ok()
        .filter(|min_nr| *min_nr <= mempool::MAX_MIN_NR)
        .ok_or_else(|| {
            refuse!(
                TooBig,
                "{name}: min_nr {}; at most {}",
                Decimal(min_nr),
                mempool::MAX_MIN_NR
            )
        })?;
    let (backing, element_size, parent) = match backing {
        PoolBacking::Kmalloc(size) => {
            let size = size_within(api, size, kmalloc::MAX_SIZE)?;
            (Backing::Kmalloc { size }, size, None)
        }
        PoolBacking::Slab(cache_name) => {
            let cache = cache_named(state, cache_name)?;
            if cache.has_constructor() {
                return Err(refuse!(
                    Inval,
                    "'{cache_name}' has a constructor: a pool hands out used elements"
                ));
            }
            let size = cache.object_size();
            (Backing::Slab(cache), size, Some(Name::new(cache_name)))
        }
        PoolBacking::Pages(order) => {
            let order = super::control::order_within(api, order)?;
            (
                Backing::Pages { order },
                kernel::page::PAGE_SIZE << order,
                None,
            )
        }
    };
    let reserve = min_nr
        .checked_mul(element_size)
        .filter(|bytes| *bytes <= mempool::max_reserve_bytes())
        .ok_or_else(|| {
            refuse!(
                TooBig,
                "{name}: {min_nr} elements of {element_size} bytes; a reserve is at most {}",
                mempool::max_reserve_bytes()
            )
        })?;
    // CAST: `usize` fits `u64`.
    let bytes = reserve as u64;
    state.table.admit(name, bytes)?;
    let pool = Mempool::new(min_nr, backing).map_err(|err| kernel_refusal(api, err))?;
    let pool = Arc::new(pool, GFP_KERNEL).map_err(|_| kernel_refusal(api, ENOMEM))?;
    pr_info!(
        "pool create {name}: mempool_create({min_nr}, {element_size}-byte elements) = {:#x}, {reserve} bytes reserved\n",
        pool.addr()
    );
    let object = Object {
        api,
        asked: bytes,
        gfp: None,
        parent,
        memory: Memory::Pool(pool),
    };
    insert(state, name, bytes, object)
}
