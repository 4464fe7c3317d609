// SPDX-License-Identifier: GPL-2.0

//! The benchmarks' C baseline for the patterns beyond pairs: batches (N allocations held, then
//! freed in order or in a random order), touches (each allocation written in full) and the bulk
//! APIs (`kmem_cache_alloc_bulk`, `alloc_pages_bulk`).
//!
//! One C function runs the batch of every allocator ([`Alloc`] says which, with what); its
//! argument checks are those of the allocator's own wrapper family.

use core::ffi::c_void;

use kernel::{
    alloc::KVVec,
    prelude::*, //
};

use crate::{
    mm::{
        gfp::Gfp,
        gfp_policy::Family,
        kmalloc,
        kmem_cache::KmemCache,
        mempool::Mempool,
        pages,
        vmalloc, //
    },
    shim::generated,
    shuffle,
};

/// One allocation of a batch or touch loop: the allocator and its arguments.
#[derive(Clone, Copy)]
pub(crate) enum Alloc<'a> {
    /// `kmalloc(size, gfp)` (`kzalloc` with `Gfp::ZERO`).
    Kmalloc { size: usize, gfp: Gfp },
    /// `kvmalloc(size, gfp)`.
    Kvmalloc { size: usize, gfp: Gfp },
    /// `vmalloc(size)`.
    Vmalloc { size: usize },
    /// `vzalloc(size)`.
    Vzalloc { size: usize },
    /// `vmalloc_32(size)`.
    Vmalloc32 { size: usize },
    /// `alloc_pages(gfp, order)`.
    Pages { order: u32, gfp: Gfp },
    /// `__get_free_pages(gfp, order)`.
    GetFreePages { order: u32, gfp: Gfp },
    /// `get_zeroed_page(gfp)`.
    ZeroedPage { gfp: Gfp },
    /// `kmem_cache_alloc(cache, gfp)`.
    KmemCache { cache: &'a KmemCache, gfp: Gfp },
    /// `mempool_alloc(pool, gfp)`.
    Mempool { pool: &'a Mempool, gfp: Gfp },
}

impl Alloc<'_> {
    /// The checks the allocator's wrapper family makes, and the C description of the call.
    fn to_raw(self) -> Result<generated::memlab_bench_alloc> {
        use generated::*;
        let mut raw = memlab_bench_alloc::default();
        let (api, gfp) = match self {
            Alloc::Kmalloc { size, gfp } => {
                check_size(size, kmalloc::MAX_SIZE)?;
                raw.size = size;
                (
                    memlab_bench_api_MEMLAB_BENCH_KMALLOC,
                    Some((gfp, Family::Kmalloc)),
                )
            }
            Alloc::Kvmalloc { size, gfp } => {
                check_size(size, vmalloc::MAX_SIZE)?;
                raw.size = size;
                (
                    memlab_bench_api_MEMLAB_BENCH_KVMALLOC,
                    Some((gfp, Family::Kvmalloc)),
                )
            }
            Alloc::Vmalloc { size } | Alloc::Vzalloc { size } | Alloc::Vmalloc32 { size } => {
                check_size(size, vmalloc::MAX_SIZE)?;
                raw.size = size;
                let api = match self {
                    Alloc::Vmalloc { .. } => memlab_bench_api_MEMLAB_BENCH_VMALLOC,
                    Alloc::Vzalloc { .. } => memlab_bench_api_MEMLAB_BENCH_VZALLOC,
                    _ => memlab_bench_api_MEMLAB_BENCH_VMALLOC_32,
                };
                (api, None)
            }
            Alloc::Pages { order, gfp } | Alloc::GetFreePages { order, gfp } => {
                if order > pages::MAX_ORDER {
                    return Err(EINVAL);
                }
                raw.order = order;
                raw.size = kernel::page::PAGE_SIZE << order;
                let api = match self {
                    Alloc::Pages { .. } => memlab_bench_api_MEMLAB_BENCH_PAGES,
                    _ => memlab_bench_api_MEMLAB_BENCH_GET_FREE_PAGES,
                };
                (api, Some((gfp, Family::Pages)))
            }
            Alloc::ZeroedPage { gfp } => {
                raw.size = kernel::page::PAGE_SIZE;
                (
                    memlab_bench_api_MEMLAB_BENCH_ZEROED_PAGE,
                    Some((gfp, Family::Pages)),
                )
            }
            Alloc::KmemCache { cache, gfp } => {
                raw.cache = cache.as_raw();
                raw.size = cache.object_size();
                (
                    memlab_bench_api_MEMLAB_BENCH_KMEM_CACHE,
                    Some((gfp, Family::KmemCache)),
                )
            }
            Alloc::Mempool { pool, gfp } => {
                raw.pool = pool.as_raw();
                (
                    memlab_bench_api_MEMLAB_BENCH_MEMPOOL,
                    Some((gfp, Family::Mempool)),
                )
            }
        };
        match gfp {
            Some((gfp, family)) => {
                gfp.check_for(family)?;
                raw.flags = gfp.as_raw();
            }
            // The vmalloc family's own flags: `GFP_KERNEL`, so it sleeps.
            None => kernel::task::might_sleep(),
        }
        raw.api = api;
        Ok(raw)
    }
}

/// A size of 1 to `max` bytes.
fn check_size(size: usize, max: usize) -> Result {
    if size == 0 || size > max {
        return Err(EINVAL);
    }
    Ok(())
}

/// What a batch needs besides its allocator, made before the timed rounds: room for N pointers
/// and the order in which to free them.
///
/// # Invariants
///
/// `free_order` is a permutation of `0..free_order.len()`; `slots` has room for
/// `free_order.len()` pointers.
pub(crate) struct BatchRoom {
    slots: KVVec<*mut c_void>,
    free_order: KVVec<u32>,
}

impl BatchRoom {
    /// Room for a batch of `n`, freed in order, or in [`shuffle`]'s random order if `shuffled`.
    ///
    /// # Errors
    ///
    /// `ENOMEM` when the room cannot be allocated.
    pub(crate) fn new(n: u32, shuffled: bool) -> Result<Self> {
        // CAST: `u32` fits `usize` on every arch the kernel supports Rust on.
        let n = n as usize;
        let slots = KVVec::with_capacity(n, GFP_KERNEL)?;
        let mut free_order = KVVec::from_elem(0, n, GFP_KERNEL)?;
        shuffle::fill(&mut free_order, shuffled);
        // INVARIANT: `fill` wrote every index of `0..n` once; `slots` has capacity `n`.
        Ok(Self { slots, free_order })
    }

    /// The order in which a batch frees its allocations: a permutation of `0..len`.
    pub(crate) fn free_order(&self) -> &[u32] {
        &self.free_order
    }

    /// How many allocations a batch makes.
    pub(crate) fn len(&self) -> usize {
        self.free_order.len()
    }

    /// The slots, as C's `void **` of `len()` entries.
    fn slots(&mut self) -> *mut *mut c_void {
        self.slots.spare_capacity_mut().as_mut_ptr().cast()
    }
}

/// One batch of `alloc`, in C: `room.len()` allocations held, then freed in
/// `room.free_order()`. Sleeps if the allocator may.
///
/// # Errors
///
/// `EINVAL` for arguments the allocator's wrapper family refuses.
pub(crate) fn batch(alloc: Alloc<'_>, room: &mut BatchRoom) -> Result<u64> {
    let raw = alloc.to_raw()?;
    let n = room.len();
    let order = room.free_order.as_ptr();
    // SAFETY: `raw` passed its family's checks and names a cache or pool that `alloc` borrows
    // for the call; `slots` has room for `n` pointers and `order` is a permutation of `0..n`
    // (`BatchRoom`'s invariants), so every allocation is freed exactly once, before the return.
    let failed = unsafe { generated::memlab_bench_batch(&raw, room.slots(), order, n) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` allocations of `alloc`, each written in full and freed at once, in C. Sleeps if the
/// allocator may.
///
/// # Errors
///
/// `EINVAL` for another allocator than kmalloc, vmalloc or alloc_pages, or arguments its family
/// refuses.
pub(crate) fn touch(alloc: Alloc<'_>, iters: u32) -> Result<u64> {
    if !matches!(
        alloc,
        Alloc::Kmalloc { .. } | Alloc::Vmalloc { .. } | Alloc::Pages { .. }
    ) {
        return Err(EINVAL);
    }
    let raw = alloc.to_raw()?;
    // SAFETY: `raw` passed its family's checks; it is kmalloc, vmalloc or alloc_pages (checked),
    // whose allocations of `raw.size` bytes the loop writes (a block of pages through its
    // direct-map address: the page allocator's allow-list has no `__GFP_HIGHMEM`) and frees.
    let failed = unsafe { generated::memlab_bench_touch(&raw, iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// One `kmem_cache_alloc_bulk` of `room.len()` objects of `cache`, then `kmem_cache_free_bulk`,
/// in C. Sleeps if `gfp` allows it.
///
/// # Errors
///
/// `EINVAL` for a flag the cache allow-list lacks, or a cache with a constructor (the Rust
/// variant refuses it: its objects would have to be typed constructed).
pub(crate) fn kmem_cache_bulk(cache: &KmemCache, gfp: Gfp, room: &mut BatchRoom) -> Result<u64> {
    if cache.has_constructor() {
        return Err(EINVAL);
    }
    gfp.check_for(Family::KmemCache)?;
    let n = room.len();
    // SAFETY: The cache is live for the call (borrowed); `gfp` passed the allow-list; `slots`
    // has room for `n` pointers (`BatchRoom`'s invariant), which the call fills and frees.
    let failed = unsafe {
        generated::memlab_bench_kmem_cache_bulk(cache.as_raw(), gfp.as_raw(), room.slots(), n)
    };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// One `alloc_pages_bulk` of `room.len()` single pages, then `__free_page` of each, in C.
/// Sleeps if `gfp` allows it.
///
/// # Errors
///
/// `EINVAL` for a flag the page allocator's allow-list lacks.
pub(crate) fn pages_bulk(gfp: Gfp, room: &mut BatchRoom) -> Result<u64> {
    gfp.check_for(Family::Pages)?;
    let (n, pages) = (room.len(), room.slots().cast());
    // SAFETY: `gfp` passed the allow-list; `pages` has room for `n` pointers (`BatchRoom`'s
    // invariant), which the call clears, fills with pages and frees.
    let failed = unsafe { generated::memlab_bench_pages_bulk(gfp.as_raw(), pages, n) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}
