// SPDX-License-Identifier: GPL-2.0

//! One timed loop of a case: `iters` alloc+free pairs of one API and size, by one variant.
//!
//! Every variant asks for the same memory with the same flags (`GFP_KERNEL | __GFP_NOWARN`,
//! plus `__GFP_ZERO` for kzalloc; vmalloc's own `GFP_KERNEL` for vmalloc), so the variants
//! differ only in who makes the calls: C ([`crate::mm::baseline`]), memlab's wrappers, or the
//! `kernel` crate.

use kernel::{
    alloc::{
        flags,
        KVec,
        VVec, //
    },
    page::Page,
    prelude::*,
};

use crate::{
    bench::spec::{
        Api,
        Variant, //
    },
    mm::{
        baseline,
        gfp::Gfp,
        kmalloc::KmallocBuf,
        pages::Pages,
        vmalloc::VmallocBuf, //
    },
};

/// The page size the `alloc_pages` sizes are counted in.
const PAGE_SIZE: u64 = kernel::page::PAGE_SIZE as u64;

/// The flags every variant allocates with.
fn gfp(api: Api) -> Gfp {
    match api {
        Api::Kzalloc => Gfp::KERNEL | Gfp::NOWARN | Gfp::ZERO,
        _ => Gfp::KERNEL | Gfp::NOWARN,
    }
}

/// The same flags, as the `kernel` crate spells them.
fn kernel_flags(api: Api) -> kernel::alloc::Flags {
    match api {
        Api::Kzalloc => flags::GFP_KERNEL | flags::__GFP_NOWARN | flags::__GFP_ZERO,
        _ => flags::GFP_KERNEL | flags::__GFP_NOWARN,
    }
}

/// The order of the smallest block of pages that holds `size` bytes, if `size` is a power of
/// two pages (the only sizes an `alloc_pages` case takes).
pub(crate) fn order_of(size: u64) -> Option<u32> {
    (size >= PAGE_SIZE && size.is_power_of_two()).then(|| (size / PAGE_SIZE).ilog2())
}

/// Whether `variant` has a path for `api` at `size`: the `kernel` crate allocates single pages
/// only (`Page::alloc_page`).
pub(crate) fn exists(api: Api, variant: Variant, size: u64) -> bool {
    !(api == Api::Pages && variant == Variant::Kernel && size != PAGE_SIZE)
}

/// Checks that `api` serves `size` (the wrappers would refuse it at the first call): the
/// runner asks before it runs anything, so a bad spec loses no time.
///
/// # Errors
///
/// `EINVAL` for 0, a size above the API's limit, or an `alloc_pages` size that is not a power
/// of two pages up to `MAX_PAGE_ORDER`.
pub(crate) fn serves(api: Api, size: u64) -> Result {
    let len = usize::try_from(size).map_err(|_| EINVAL)?;
    let served = match api {
        Api::Kmalloc | Api::Kzalloc => (1..=crate::mm::kmalloc::MAX_SIZE).contains(&len),
        Api::Vmalloc => (1..=crate::mm::vmalloc::MAX_SIZE).contains(&len),
        Api::Pages => order_of(size).is_some_and(|order| order <= crate::mm::pages::MAX_ORDER),
    };
    if !served {
        pr_info!("bench: {} does not serve size={size}\n", api.name());
        return Err(EINVAL);
    }
    Ok(())
}

/// Runs `iters` alloc+free pairs; returns how many allocations failed.
///
/// # Errors
///
/// `EINVAL` for a size the API does not serve (an `alloc_pages` size that is not a power of two
/// pages, or one above the API's limit) or a variant without that path (see [`exists`]).
pub(crate) fn run(api: Api, variant: Variant, size: u64, iters: u32) -> Result<u64> {
    let len = usize::try_from(size).map_err(|_| EINVAL)?;
    if !exists(api, variant, size) {
        return Err(EINVAL);
    }
    match (api, variant) {
        (Api::Kmalloc | Api::Kzalloc, Variant::C) => baseline::kmalloc(len, gfp(api), iters),
        (Api::Kmalloc, Variant::Rust) => {
            count_failures(iters, || KmallocBuf::new_uninit(len, gfp(api)))
        }
        (Api::Kzalloc, Variant::Rust) => {
            count_failures(iters, || KmallocBuf::zeroed(len, gfp(api)))
        }
        (Api::Kmalloc | Api::Kzalloc, Variant::Kernel) => {
            check_kernel_len(len, crate::mm::kmalloc::MAX_SIZE)?;
            count_failures(iters, || KVec::<u8>::with_capacity(len, kernel_flags(api)))
        }
        (Api::Vmalloc, Variant::C) => baseline::vmalloc(len, iters),
        (Api::Vmalloc, Variant::Rust) => count_failures(iters, || VmallocBuf::new_uninit(len)),
        (Api::Vmalloc, Variant::Kernel) => {
            check_kernel_len(len, crate::mm::vmalloc::MAX_SIZE)?;
            count_failures(iters, || VVec::<u8>::with_capacity(len, flags::GFP_KERNEL))
        }
        (Api::Pages, _) => {
            let order = order_of(size).ok_or(EINVAL)?;
            match variant {
                Variant::C => baseline::pages(order, gfp(api), iters),
                Variant::Rust => count_failures(iters, || Pages::alloc(order, gfp(api))),
                Variant::Kernel => count_failures(iters, || Page::alloc_page(kernel_flags(api))),
            }
        }
    }
}

/// The kernel crate's vectors take any capacity and fail the large ones themselves; the
/// benchmark asks them only for what the C API serves.
fn check_kernel_len(len: usize, max: usize) -> Result {
    if len == 0 || len > max {
        return Err(EINVAL);
    }
    Ok(())
}

/// Calls `alloc` `iters` times, dropping (freeing) each success at once; the failures.
///
/// No `black_box`: the compiler cannot drop a call into C, and the C loop keeps its pointer in
/// a register too (`OPTIMIZER_HIDE_VAR`), where `black_box` would add a store and a load.
fn count_failures<T, E>(iters: u32, mut alloc: impl FnMut() -> Result<T, E>) -> Result<u64> {
    let mut failed = 0;
    for _ in 0..iters {
        match alloc() {
            Ok(memory) => drop(memory),
            Err(_) => failed += 1,
        }
    }
    Ok(failed)
}
