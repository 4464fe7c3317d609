// SPDX-License-Identifier: GPL-2.0

//! The benchmarks' C baseline: alloc+free loops written in C (`src/shim/shim.c`), calling the C
//! API directly, behind the same argument checks as the wrappers of each family.
//!
//! `crate::bench` times these against the same loops over the wrappers and over the `kernel`
//! crate; each function returns how many of its allocations failed (a failure ends nothing).
//! The pairs are here; batches, touches and the bulk APIs in [`batch`].

use kernel::prelude::*;

mod batch;

pub(crate) use batch::{
    batch,
    kmem_cache_bulk,
    pages_bulk,
    touch,
    Alloc,
    BatchRoom, //
};

use crate::{
    mm::{
        dma::{
            self,
            DmaDevice, //
        },
        gfp::Gfp,
        gfp_policy::Family,
        ioremap::IoMapping,
        kmalloc,
        kmem_cache::KmemCache,
        mempool::Mempool,
        pages::{
            self,
            Pages, //
        },
        vmalloc, //
    },
    shim::generated,
};

/// `iters` pairs of `kmalloc(size, gfp)` + `kfree()`, in C. Sleeps if `gfp` allows it.
///
/// # Errors
///
/// `EINVAL` for a size of 0 or above `KMALLOC_MAX_SIZE`, or a flag kmalloc's allow-list lacks.
pub(crate) fn kmalloc(size: usize, gfp: Gfp, iters: u32) -> Result<u64> {
    if size == 0 || size > kmalloc::MAX_SIZE {
        return Err(EINVAL);
    }
    gfp.check_for(Family::Kmalloc)?;
    // CAST (`iters as usize`, here and below): a `u32` fits `unsigned long` (at least 32 bits).
    // SAFETY: `size` is one kmalloc serves and `gfp` passed kmalloc's allow-list (both checked);
    // the loop frees every object it allocates before it returns.
    let failed = unsafe { generated::memlab_bench_kmalloc(size, gfp.as_raw(), iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `vmalloc(size)` + `vfree()`, in C. Sleeps.
///
/// # Errors
///
/// `EINVAL` for a size of 0 or above [`vmalloc::MAX_SIZE`].
pub(crate) fn vmalloc(size: usize, iters: u32) -> Result<u64> {
    if size == 0 || size > vmalloc::MAX_SIZE {
        return Err(EINVAL);
    }
    kernel::task::might_sleep();
    // SAFETY: Any size from 1 to `vmalloc::MAX_SIZE` (checked) is a valid vmalloc argument; the
    // loop frees every area it allocates before it returns.
    let failed = unsafe { generated::memlab_bench_vmalloc(size, iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `alloc_pages(gfp, order)` + `__free_pages()`, in C. Sleeps if `gfp` allows
/// it.
///
/// # Errors
///
/// `EINVAL` for an order above [`pages::MAX_ORDER`] or a flag the page allocator's allow-list
/// lacks.
pub(crate) fn pages(order: u32, gfp: Gfp, iters: u32) -> Result<u64> {
    if order > pages::MAX_ORDER {
        return Err(EINVAL);
    }
    gfp.check_for(Family::Pages)?;
    // SAFETY: `order` is at most MAX_PAGE_ORDER and `gfp` passed the page allocator's allow-list
    // (both checked); the loop frees every block it allocates, with its order, before it returns.
    let failed = unsafe { generated::memlab_bench_pages(order, gfp.as_raw(), iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` triples of `kmalloc(size / 2, gfp)` + `krealloc(size, gfp)` + `kfree()`, in C.
///
/// # Errors
///
/// `EINVAL` for a size below 2 or above `KMALLOC_MAX_SIZE`, or a flag kmalloc's allow-list
/// lacks.
pub(crate) fn krealloc(size: usize, gfp: Gfp, iters: u32) -> Result<u64> {
    if !(2..=kmalloc::MAX_SIZE).contains(&size) {
        return Err(EINVAL);
    }
    gfp.check_for(Family::Kmalloc)?;
    // SAFETY: Both sizes are ones kmalloc serves and `gfp` passed kmalloc's allow-list (both
    // checked); the loop frees what it allocates before it returns.
    let failed = unsafe { generated::memlab_bench_krealloc(size, gfp.as_raw(), iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `kvmalloc(size, gfp)` + `kvfree()`, in C. Sleeps.
///
/// # Errors
///
/// `EINVAL` for a size of 0 or above [`vmalloc::MAX_SIZE`], or a flag kvmalloc's allow-list
/// lacks.
pub(crate) fn kvmalloc(size: usize, gfp: Gfp, iters: u32) -> Result<u64> {
    if size == 0 || size > vmalloc::MAX_SIZE {
        return Err(EINVAL);
    }
    gfp.check_for(Family::Kvmalloc)?;
    // SAFETY: As in `kmalloc`, with kvmalloc's limits and allow-list.
    let failed = unsafe { generated::memlab_bench_kvmalloc(size, gfp.as_raw(), iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `vzalloc(size)` + `vfree()`, in C. Sleeps.
///
/// # Errors
///
/// As [`vmalloc()`].
pub(crate) fn vzalloc(size: usize, iters: u32) -> Result<u64> {
    if size == 0 || size > vmalloc::MAX_SIZE {
        return Err(EINVAL);
    }
    kernel::task::might_sleep();
    // SAFETY: As in `vmalloc`.
    let failed = unsafe { generated::memlab_bench_vzalloc(size, iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `vmalloc_32(size)` + `vfree()`, in C. Sleeps.
///
/// # Errors
///
/// As [`vmalloc()`].
pub(crate) fn vmalloc_32(size: usize, iters: u32) -> Result<u64> {
    if size == 0 || size > vmalloc::MAX_SIZE {
        return Err(EINVAL);
    }
    kernel::task::might_sleep();
    // SAFETY: As in `vmalloc`.
    let failed = unsafe { generated::memlab_bench_vmalloc_32(size, iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `__get_free_pages(gfp, order)` + `free_pages()`, in C. Sleeps if `gfp`
/// allows it.
///
/// # Errors
///
/// As [`pages()`].
pub(crate) fn get_free_pages(order: u32, gfp: Gfp, iters: u32) -> Result<u64> {
    if order > pages::MAX_ORDER {
        return Err(EINVAL);
    }
    gfp.check_for(Family::Pages)?;
    let gfp = gfp.as_raw();
    // SAFETY: As in `pages`; the allow-list has no `__GFP_HIGHMEM`, so every block has a
    // direct-map address for `free_pages`.
    let failed = unsafe { generated::memlab_bench_get_free_pages(order, gfp, iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `get_zeroed_page(gfp)` + `free_page()`, in C. Sleeps if `gfp` allows it.
///
/// # Errors
///
/// `EINVAL` for a flag the page allocator's allow-list lacks.
pub(crate) fn get_zeroed_page(gfp: Gfp, iters: u32) -> Result<u64> {
    gfp.check_for(Family::Pages)?;
    // SAFETY: As in `get_free_pages`, at order 0.
    let failed = unsafe { generated::memlab_bench_get_zeroed_page(gfp.as_raw(), iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `kmem_cache_alloc(cache, gfp)` + `kmem_cache_free()`, in C. Sleeps if `gfp`
/// allows it.
///
/// # Errors
///
/// `EINVAL` for a flag the cache allow-list lacks.
pub(crate) fn kmem_cache(cache: &KmemCache, gfp: Gfp, iters: u32) -> Result<u64> {
    gfp.check_for(Family::KmemCache)?;
    let cache = cache.as_raw();
    // SAFETY: The cache is live for the call (its `&KmemCache` is borrowed); `gfp` passed the
    // allow-list; the loop frees every object it allocates, to that cache, before it returns.
    let failed = unsafe { generated::memlab_bench_kmem_cache(cache, gfp.as_raw(), iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `mempool_alloc(pool, gfp)` + `mempool_free()`, in C. Sleeps if `gfp`
/// allows it.
///
/// # Errors
///
/// `EINVAL` for a flag the mempool allow-list lacks.
pub(crate) fn mempool(pool: &Mempool, gfp: Gfp, iters: u32) -> Result<u64> {
    gfp.check_for(Family::Mempool)?;
    let pool = pool.as_raw();
    // SAFETY: The pool is live for the call (its `&Mempool` is borrowed); `gfp` passed the
    // allow-list (no `__GFP_ZERO`); the loop returns every element to the pool before it returns.
    let failed = unsafe { generated::memlab_bench_mempool(pool, gfp.as_raw(), iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `vmap()` of every page of `blocks` + `vunmap()`, in C (the page list is
/// built once, before the loop). Sleeps.
///
/// # Errors
///
/// `EINVAL` if `blocks` holds no page or more than `u32::MAX`; `ENOMEM` if the page list cannot
/// be allocated.
pub(crate) fn vmap(blocks: &[Pages], iters: u32) -> Result<u64> {
    let mut list = KVec::new();
    for block in blocks {
        for index in 0..block.count() {
            list.push(block.page(index).ok_or(EINVAL)?.as_ptr(), GFP_KERNEL)?;
        }
    }
    let count = u32::try_from(list.len()).map_err(|_| EINVAL)?;
    if count == 0 {
        return Err(EINVAL);
    }
    kernel::task::might_sleep();
    // SAFETY: `list` holds `count` pages of `blocks`, which stay allocated while borrowed, for
    // the whole call; every mapping is unmapped before the call returns.
    let failed = unsafe { generated::memlab_bench_vmap(list.as_mut_ptr(), count, iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `kmap_local_page()` of the first page of `block` + `kunmap_local()`, in C.
/// Never sleeps.
pub(crate) fn kmap_local(block: &Pages, iters: u32) -> Result {
    let page = block.page(0).ok_or(EINVAL)?;
    // SAFETY: `page` belongs to `block`, allocated for the whole call (borrowed); each mapping is
    // undone, in order, before the next.
    unsafe { generated::memlab_bench_kmap_local(page.as_ptr(), iters as usize) };
    Ok(())
}

/// `iters` pairs of `ioremap` of `len` bytes at `offset` of `mapping`'s range + `iounmap`, in
/// C; nothing is accessed through them. Sleeps.
///
/// # Errors
///
/// `EINVAL` for `len == 0` or a range outside the mapping.
pub(crate) fn ioremap(mapping: &IoMapping, offset: usize, len: usize, iters: u32) -> Result<u64> {
    let start = mapping.subrange(offset, len)?;
    kernel::task::might_sleep();
    // SAFETY: `[start, start + len)` lies inside the range `mapping` claimed (checked), which is
    // device memory and not RAM (`IoMapping`'s invariant) and stays claimed for the call (it is
    // borrowed); every mapping is unmapped before the call returns, and none is accessed.
    let failed = unsafe { generated::memlab_bench_ioremap(start, len, iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `iters` pairs of `dma_alloc_coherent(device, len, gfp)` + `dma_free_coherent()`, in C.
/// Sleeps if `gfp` allows it.
///
/// # Errors
///
/// As [`DmaCoherent::new`](crate::mm::dma::DmaCoherent::new): `EINVAL` for `len == 0`,
/// `len > dma::MAX_LEN` or a flag the DMA allow-list lacks.
pub(crate) fn dma_coherent(
    device: &impl DmaDevice,
    len: usize,
    gfp: Gfp,
    iters: u32,
) -> Result<u64> {
    dma::check_alloc(len, gfp)?;
    let (dev, gfp) = (device.as_raw_device(), gfp.as_raw());
    // SAFETY: `dev` is bound with its DMA masks set while `device` is borrowed, for the whole
    // call (`DmaDevice`); `len` and `gfp` passed the DMA wrapper's checks; every buffer is freed,
    // with its size and handle, before the call returns.
    let failed = unsafe { generated::memlab_bench_dma_coherent(dev, len, gfp, iters as usize) };
    // CAST: `unsigned long` fits `u64`.
    Ok(failed as u64)
}

/// `cond_resched()`: lets other tasks run between benchmark repeats. Process context only.
pub(crate) fn cond_resched() {
    kernel::task::might_sleep();
    // SAFETY: `cond_resched` takes nothing; callers are in process context (might_sleep above
    // reports them otherwise).
    unsafe { generated::memlab_cond_resched() };
}

/// `vm_unmap_aliases()`: purges every lazily freed vmalloc area now (unmaps them, flushes the
/// TLB once if there were any), in the caller. Sleeps (it takes a mutex).
pub(crate) fn purge_lazy_vmap_areas() {
    kernel::task::might_sleep();
    // SAFETY: `vm_unmap_aliases` takes nothing and may sleep; callers are in process context
    // (might_sleep above reports them otherwise).
    unsafe { generated::memlab_purge_lazy_vmap_areas() };
}

/// How often the current task has been switched out so far (`nvcsw + nivcsw`): a timed loop
/// during which this changed also timed whatever ran in between.
pub(crate) fn context_switches() -> u64 {
    // SAFETY: Reads two counters of the current task, which exists in process context.
    let switches = unsafe { generated::memlab_context_switches() };
    // CAST: `unsigned long` fits `u64`.
    switches as u64
}
