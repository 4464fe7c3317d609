// SPDX-License-Identifier: GPL-2.0

//! One timed loop of a case: `iters` alloc+free pairs of one API and size, by one variant.
//!
//! Every variant asks for the same memory with the same flags (`GFP_KERNEL | __GFP_NOWARN`,
//! plus `__GFP_ZERO` for kzalloc; the vmalloc family's own flags), so the variants differ only
//! in who makes the calls: C ([`crate::mm::baseline`]), memlab's wrappers, or the `kernel`
//! crate. What a case needs before its loops (a cache, a pool, pages to map) is its
//! [`Fixture`], made once per case and shared by its variants.

use kernel::{
    alloc::{
        flags,
        KVVec,
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
        kmalloc::{
            self,
            KmallocBuf, //
        },
        kmap,
        kmem_cache::{
            self,
            KmemCache,
            SlabFlags, //
        },
        mempool::{
            Backing,
            Mempool, //
        },
        pages::{
            self,
            FreePages,
            Pages, //
        },
        vmalloc::{
            self,
            VmallocBuf, //
        },
        vmap::Vmap,
    },
};

/// The page size the page-sized APIs count in.
const PAGE_SIZE: u64 = kernel::page::PAGE_SIZE as u64;

/// The largest `vmap` a case makes: 4 MiB of single pages.
const MAX_VMAP: u64 = 1024 * PAGE_SIZE;

/// Elements a case's mempool keeps in reserve (idle: the allocator never fails there).
const POOL_RESERVE: usize = 4;

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
        Api::Kzalloc | Api::Vzalloc => flags::GFP_KERNEL | flags::__GFP_NOWARN | flags::__GFP_ZERO,
        _ => flags::GFP_KERNEL | flags::__GFP_NOWARN,
    }
}

/// The order of the smallest block of pages that holds `size` bytes, if `size` is a power of
/// two pages (the only sizes a page-allocator case takes).
pub(crate) fn order_of(size: u64) -> Option<u32> {
    (size >= PAGE_SIZE && size.is_power_of_two()).then(|| (size / PAGE_SIZE).ilog2())
}

/// Whether `variant` has a path for `api` at `size`: C and memlab's wrappers have every path;
/// the `kernel` crate has vectors (`KVec`, `VVec`, `KVVec`) and single pages
/// (`Page::alloc_page`), and nothing for the rest.
pub(crate) fn exists(api: Api, variant: Variant, size: u64) -> bool {
    match variant {
        Variant::C | Variant::Rust => true,
        Variant::Kernel => match api {
            Api::Kmalloc | Api::Kzalloc | Api::Krealloc => true,
            Api::Kvmalloc | Api::Vmalloc | Api::Vzalloc => true,
            Api::Pages => size == PAGE_SIZE,
            _ => false,
        },
    }
}

/// Checks that `api` serves `size` (the wrappers would refuse it at the first call): the
/// runner asks before it runs anything, so a bad spec loses no time.
///
/// # Errors
///
/// `EINVAL` for 0, a size above the API's limit, an `alloc_pages` or `__get_free_pages` size
/// that is not a power of two pages up to `MAX_PAGE_ORDER`, a `vmap` size that is not a whole
/// number of pages up to 4 MiB, or another size than one page where the API takes one page.
pub(crate) fn serves(api: Api, size: u64) -> Result {
    let len = usize::try_from(size).map_err(|_| EINVAL)?;
    let served = match api {
        Api::Kmalloc | Api::Kzalloc => (1..=kmalloc::MAX_SIZE).contains(&len),
        Api::Krealloc => (2..=kmalloc::MAX_SIZE).contains(&len),
        Api::Kvmalloc | Api::Vmalloc | Api::Vzalloc | Api::Vmalloc32 => {
            (1..=vmalloc::MAX_SIZE).contains(&len)
        }
        Api::Pages | Api::GetFreePages => {
            order_of(size).is_some_and(|order| order <= pages::MAX_ORDER)
        }
        Api::ZeroedPage | Api::KmapLocal => size == PAGE_SIZE,
        Api::KmemCache | Api::KmemCacheCtor | Api::Mempool => {
            (1..=kmem_cache::MAX_OBJECT_SIZE).contains(&len)
        }
        Api::Vmap => size % PAGE_SIZE == 0 && (PAGE_SIZE..=MAX_VMAP).contains(&size),
    };
    if !served {
        pr_info!("bench: {} does not serve size={size}\n", api.name());
        return Err(EINVAL);
    }
    Ok(())
}

/// What a case's loops use and do not time: made once per case, dropped after it.
pub(crate) enum Fixture {
    /// The API needs nothing.
    None,
    /// A cache of objects of the case's size.
    Cache(KmemCache),
    /// A kmalloc-backed pool of elements of the case's size.
    Pool(Mempool),
    /// Single pages: the case's size of them for `vmap`, one for `kmap_local`. `None` while a
    /// `Vmap` holds them.
    Pages(Option<KVec<Pages>>),
}

impl Fixture {
    /// Makes what `api` needs at `size` ([`serves`] said yes). Sleeps.
    ///
    /// # Errors
    ///
    /// `ENOMEM` when the cache, pool or pages cannot be made; `EEXIST` when a lab cache holds
    /// the case's cache name (`bench_case`); `EBUSY` when every constructor slot is taken.
    pub(crate) fn new(api: Api, size: u64) -> Result<Fixture> {
        let len = usize::try_from(size).map_err(|_| EINVAL)?;
        Ok(match api {
            Api::KmemCache => {
                Fixture::Cache(KmemCache::new(c"bench_case", len, 0, SlabFlags::NONE)?)
            }
            Api::KmemCacheCtor => Fixture::Cache(KmemCache::with_fill(
                c"bench_case",
                len,
                0,
                SlabFlags::NONE,
                0x5a,
            )?),
            Api::Mempool => {
                Fixture::Pool(Mempool::new(POOL_RESERVE, Backing::Kmalloc { size: len })?)
            }
            Api::Vmap | Api::KmapLocal => {
                let count = (size / PAGE_SIZE).max(1);
                let mut blocks = KVec::new();
                for _ in 0..count {
                    blocks.push(Pages::zeroed(0, Gfp::KERNEL)?, GFP_KERNEL)?;
                }
                Fixture::Pages(Some(blocks))
            }
            _ => Fixture::None,
        })
    }
}

/// Runs `iters` alloc+free pairs; returns how many allocations failed.
///
/// # Errors
///
/// `EINVAL` for a size the API does not serve (see [`serves`]), a variant without that path
/// (see [`exists`]) or a fixture that is not `api`'s.
pub(crate) fn run(
    api: Api,
    variant: Variant,
    size: u64,
    iters: u32,
    fixture: &mut Fixture,
) -> Result<u64> {
    let len = usize::try_from(size).map_err(|_| EINVAL)?;
    if !exists(api, variant, size) {
        return Err(EINVAL);
    }
    let gfp = gfp(api);
    match variant {
        Variant::C => run_c(api, len, gfp, iters, fixture),
        Variant::Rust => run_rust(api, len, gfp, iters, fixture),
        Variant::Kernel => run_kernel(api, len, iters),
    }
}

/// The loop in C, behind the same checks as the wrappers.
fn run_c(api: Api, len: usize, gfp: Gfp, iters: u32, fixture: &mut Fixture) -> Result<u64> {
    match (api, fixture) {
        (Api::Kmalloc | Api::Kzalloc, _) => baseline::kmalloc(len, gfp, iters),
        (Api::Krealloc, _) => baseline::krealloc(len, gfp, iters),
        (Api::Kvmalloc, _) => baseline::kvmalloc(len, gfp, iters),
        (Api::Vmalloc, _) => baseline::vmalloc(len, iters),
        (Api::Vzalloc, _) => baseline::vzalloc(len, iters),
        (Api::Vmalloc32, _) => baseline::vmalloc_32(len, iters),
        (Api::Pages, _) => baseline::pages(page_order(len)?, gfp, iters),
        (Api::GetFreePages, _) => baseline::get_free_pages(page_order(len)?, gfp, iters),
        (Api::ZeroedPage, _) => baseline::get_zeroed_page(gfp, iters),
        (Api::KmemCache | Api::KmemCacheCtor, Fixture::Cache(cache)) => {
            baseline::kmem_cache(cache, gfp, iters)
        }
        (Api::Mempool, Fixture::Pool(pool)) => baseline::mempool(pool, gfp, iters),
        (Api::Vmap, Fixture::Pages(Some(blocks))) => baseline::vmap(blocks, iters),
        (Api::KmapLocal, Fixture::Pages(Some(blocks))) => {
            baseline::kmap_local(blocks.first().ok_or(EINVAL)?, iters).map(|()| 0)
        }
        _ => Err(EINVAL),
    }
}

/// The loop over memlab's wrappers.
fn run_rust(api: Api, len: usize, gfp: Gfp, iters: u32, fixture: &mut Fixture) -> Result<u64> {
    match (api, fixture) {
        (Api::Kmalloc, _) => count_failures(iters, || KmallocBuf::new_uninit(len, gfp)),
        (Api::Kzalloc, _) => count_failures(iters, || KmallocBuf::zeroed(len, gfp)),
        (Api::Krealloc, _) => count_failures(iters, || {
            let mut buf = KmallocBuf::new_uninit(len / 2, gfp)?;
            buf.resize(len, gfp).map(|()| buf)
        }),
        (Api::Kvmalloc, _) => count_failures(iters, || VmallocBuf::kvmalloc_uninit(len, gfp)),
        (Api::Vmalloc, _) => count_failures(iters, || VmallocBuf::new_uninit(len)),
        (Api::Vzalloc, _) => count_failures(iters, || VmallocBuf::zeroed(len)),
        (Api::Vmalloc32, _) => count_failures(iters, || VmallocBuf::new_32_uninit(len)),
        (Api::Pages, _) => {
            let order = page_order(len)?;
            count_failures(iters, || Pages::alloc(order, gfp))
        }
        (Api::GetFreePages, _) => {
            let order = page_order(len)?;
            count_failures(iters, || FreePages::get(order, gfp))
        }
        (Api::ZeroedPage, _) => count_failures(iters, || FreePages::zeroed_page(gfp)),
        (Api::KmemCache, Fixture::Cache(cache)) => {
            count_failures(iters, || cache.alloc_uninit(gfp))
        }
        // A cache with a constructor gives constructed (initialised) objects.
        (Api::KmemCacheCtor, Fixture::Cache(cache)) => count_failures(iters, || cache.alloc(gfp)),
        (Api::Mempool, Fixture::Pool(pool)) => count_failures(iters, || pool.alloc(gfp)),
        (Api::Vmap, Fixture::Pages(slot)) => vmap_loop(slot, iters),
        (Api::KmapLocal, Fixture::Pages(Some(blocks))) => {
            let block = blocks.first_mut().ok_or(EINVAL)?;
            for _ in 0..iters {
                kmap::with_kmap_local(block, 0, |_bytes| ())?;
            }
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}

/// `Vmap::try_new` takes the pages and `into_pages` gives them back, so each pair moves the
/// fixture's pages in and out; a failed mapping hands them back too.
fn vmap_loop(slot: &mut Option<KVec<Pages>>, iters: u32) -> Result<u64> {
    let mut failed = 0;
    for _ in 0..iters {
        let blocks = slot.take().ok_or(EINVAL)?;
        *slot = Some(match Vmap::try_new(blocks) {
            Ok(mapping) => mapping.into_pages(),
            Err((_, blocks)) => {
                failed += 1;
                blocks
            }
        });
    }
    Ok(failed)
}

/// The loop over the `kernel` crate's peer ([`exists`] says which APIs have one).
fn run_kernel(api: Api, len: usize, iters: u32) -> Result<u64> {
    let flags = kernel_flags(api);
    match api {
        Api::Kmalloc | Api::Kzalloc => {
            check_kernel_len(len, kmalloc::MAX_SIZE)?;
            count_failures(iters, || KVec::<u8>::with_capacity(len, flags))
        }
        Api::Krealloc => {
            check_kernel_len(len, kmalloc::MAX_SIZE)?;
            count_failures(iters, || {
                let mut vec = KVec::<u8>::with_capacity(len / 2, flags)?;
                vec.reserve(len, flags).map(|()| vec)
            })
        }
        Api::Kvmalloc => {
            check_kernel_len(len, vmalloc::MAX_SIZE)?;
            count_failures(iters, || KVVec::<u8>::with_capacity(len, flags))
        }
        Api::Vmalloc | Api::Vzalloc => {
            check_kernel_len(len, vmalloc::MAX_SIZE)?;
            count_failures(iters, || VVec::<u8>::with_capacity(len, flags))
        }
        Api::Pages => count_failures(iters, || Page::alloc_page(flags)),
        _ => Err(EINVAL),
    }
}

/// The page order of a size [`serves`] accepted for a page-allocator API.
fn page_order(len: usize) -> Result<u32> {
    // CAST: `usize` is 64 bits on x86_64.
    order_of(len as u64).ok_or(EINVAL)
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
