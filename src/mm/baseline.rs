// SPDX-License-Identifier: GPL-2.0

//! The benchmarks' C baseline: alloc+free loops written in C (`src/shim/shim.c`), calling the C
//! API directly, behind the same argument checks as the wrappers of each family.
//!
//! `crate::bench` times these against the same loops over the wrappers and over the `kernel`
//! crate; each function returns how many of its allocations failed (a failure ends nothing).

use kernel::prelude::*;

use crate::{
    mm::{
        gfp::Gfp,
        gfp_policy::Family,
        kmalloc,
        pages,
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
    // CAST (`iters as usize`, here and below): a `u32` fits `unsigned long` on x86_64.
    // SAFETY: `size` is one kmalloc serves and `gfp` passed kmalloc's allow-list (both checked);
    // the loop frees every object it allocates before it returns.
    let failed = unsafe { generated::memlab_bench_kmalloc(size, gfp.as_raw(), iters as usize) };
    // CAST: `unsigned long` is 64 bits on x86_64.
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
    // CAST: `unsigned long` is 64 bits on x86_64.
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
    // CAST: `unsigned long` is 64 bits on x86_64.
    Ok(failed as u64)
}

/// `cond_resched()`: lets other tasks run between benchmark repeats. Process context only.
pub(crate) fn cond_resched() {
    kernel::task::might_sleep();
    // SAFETY: `cond_resched` takes nothing; callers are in process context (might_sleep above
    // reports them otherwise).
    unsafe { generated::memlab_cond_resched() };
}

/// How often the current task has been switched out so far (`nvcsw + nivcsw`): a timed loop
/// during which this changed also timed whatever ran in between.
pub(crate) fn context_switches() -> u64 {
    // SAFETY: Reads two counters of the current task, which exists in process context.
    let switches = unsafe { generated::memlab_context_switches() };
    // CAST: `unsigned long` is 64 bits on x86_64.
    switches as u64
}
