// SPDX-License-Identifier: GPL-2.0

//! One timed round of a case: `iters` allocations of one API and size, each with its free, in
//! the case's pattern, by one variant.
//!
//! Every variant asks for the same memory with the same flags (`GFP_KERNEL | __GFP_NOWARN`,
//! plus `__GFP_ZERO` for kzalloc; the vmalloc family's own flags), so the variants differ only
//! in who makes the calls: C ([`crate::mm::baseline`]), memlab's wrappers, or the `kernel`
//! crate. What a case needs before its rounds (a cache, a pool, pages to map) is its
//! [`Fixture`], made once per case and shared by its variants; what a round needs (a batch's
//! slots and free order, a bulk's room) is made before its clock starts.

use core::mem::MaybeUninit;

use kernel::{
    alloc::{
        flags,
        KVVec,
        KVec,
        VVec, //
    },
    dma::Coherent,
    page::Page,
    prelude::*,
    sync::Arc,
    time::{
        Instant,
        Monotonic, //
    },
};

use crate::{
    bench::spec::{
        Api,
        Case,
        Pattern,
        Variant, //
    },
    edu,
    mm::{
        baseline::{
            self,
            Alloc,
            BatchRoom, //
        },
        bulk_slots::BulkSlots,
        dma::{
            self,
            DmaCoherent, //
        },
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

/// The size of the edu device's BAR 0: the largest `ioremap` case.
const EDU_BAR_LEN: usize = 1 << 20;

/// Elements a case's mempool keeps in reserve (idle in `mempool`, where the allocator never
/// fails; in `mempool_reserve`, one of them is out during each pair).
const POOL_RESERVE: usize = 4;

/// The flags every variant allocates with (`dma_coherent` too: the DMA API picks the zone).
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

/// Whether `variant` has a path for `case`: C and memlab's wrappers have every path; the
/// `kernel` crate has vectors (`KVec`, `VVec`, `KVVec`) and single pages (`Page::alloc_page`),
/// in every pattern but touch (kmalloc and vmalloc only), coherent DMA buffers
/// (`dma::Coherent`), and nothing for the rest.
pub(crate) fn exists(case: Case, variant: Variant) -> bool {
    match variant {
        Variant::C | Variant::Rust => true,
        Variant::Kernel => match (case.api, case.pattern) {
            (Api::Kmalloc | Api::Vmalloc, _) => true,
            (_, Pattern::Touch) => false,
            (Api::Kzalloc | Api::Krealloc | Api::Kvmalloc | Api::Vzalloc, _) => true,
            (Api::Pages, _) => case.size == PAGE_SIZE,
            (Api::DmaCoherent, _) => true,
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
        Api::ZeroedPage | Api::KmapLocal | Api::PagesBulk => size == PAGE_SIZE,
        Api::KmemCache
        | Api::KmemCacheCtor
        | Api::KmemCacheBulk
        | Api::Mempool
        | Api::MempoolReserve => (1..=kmem_cache::MAX_OBJECT_SIZE).contains(&len),
        Api::Vmap => size % PAGE_SIZE == 0 && (PAGE_SIZE..=MAX_VMAP).contains(&size),
        Api::Ioremap => (1..=EDU_BAR_LEN).contains(&len),
        Api::DmaCoherent => (1..=dma::MAX_LEN).contains(&len),
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
    /// A cache of objects of the case's size, shared by a case's threads.
    Cache(Arc<KmemCache>),
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
            Api::KmemCache | Api::KmemCacheBulk => Fixture::Cache(Arc::new(
                KmemCache::new(c"bench_case", len, 0, SlabFlags::NONE)?,
                GFP_KERNEL,
            )?),
            Api::KmemCacheCtor => Fixture::Cache(Arc::new(
                KmemCache::with_fill(c"bench_case", len, 0, SlabFlags::NONE, 0x5a)?,
                GFP_KERNEL,
            )?),
            Api::Mempool => {
                Fixture::Pool(Mempool::new(POOL_RESERVE, Backing::Kmalloc { size: len })?)
            }
            Api::MempoolReserve => Fixture::Pool(Mempool::new(
                POOL_RESERVE,
                Backing::KmallocReclaimOnly { size: len },
            )?),
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

    /// Another handle of the same fixture, for one of a case's threads: what the threads
    /// share is what they contend on (a cache).
    ///
    /// # Errors
    ///
    /// `EINVAL` for a pool or pages, which a case of several threads does not use (only the
    /// [`Api::threaded`] run on threads).
    pub(crate) fn share(&self) -> Result<Fixture> {
        match self {
            Fixture::None => Ok(Fixture::None),
            Fixture::Cache(cache) => Ok(Fixture::Cache(cache.clone())),
            Fixture::Pool(_) | Fixture::Pages(_) => Err(EINVAL),
        }
    }
}

/// What one timed round did: how many allocations failed, and how long it took.
pub(crate) struct Round {
    /// Allocations that failed (a failure ends nothing).
    pub(crate) failed: u64,
    /// The round's time on the monotonic clock (instructions under icount).
    pub(crate) nanos: u64,
}

/// Times `body`, which returns how many of its allocations failed.
fn timed(body: impl FnOnce() -> Result<u64>) -> Result<Round> {
    let start = Instant::<Monotonic>::now();
    let failed = body()?;
    let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(0);
    Ok(Round { failed, nanos })
}

/// Runs one round of `case` by `variant`: `iters` allocations, each with its free.
///
/// # Errors
///
/// `EINVAL` for a size the API does not serve (see [`serves`]), a variant without that path
/// (see [`exists`]) or a fixture that is not the case's; `ENOMEM` when a batch's room cannot
/// be made.
pub(crate) fn run(
    case: Case,
    variant: Variant,
    iters: u32,
    fixture: &mut Fixture,
) -> Result<Round> {
    let len = usize::try_from(case.size).map_err(|_| EINVAL)?;
    if !exists(case, variant) || !case.api.has(case.pattern) {
        return Err(EINVAL);
    }
    let gfp = gfp(case.api);
    // With several threads the kernel purges as it would (from a kworker, when enough areas
    // wait): one thread's purge would land in another's timed round.
    let lazy = case.api.unmaps_lazily() && case.threads == 1;
    if lazy {
        // Untimed: every round starts with no lazily freed area left (see below).
        baseline::purge_lazy_vmap_areas();
    }
    let mut round = match variant {
        Variant::C => run_c(case, len, gfp, iters, fixture),
        Variant::Rust => run_rust(case, len, gfp, iters, fixture),
        Variant::Kernel => run_kernel(case, len, iters),
    }?;
    if lazy {
        // Timed: the purge the round's frees left for later. Left to itself, the kernel
        // purges once 32 MiB × fls(CPUs) of areas wait, from a kworker, in whichever round
        // crosses that line: one variant's round out of several would pay for all of them.
        round.nanos += timed(|| {
            baseline::purge_lazy_vmap_areas();
            Ok(0)
        })?
        .nanos;
    }
    Ok(round)
}

/// The allocator of a batch or touch in C, with the case's arguments.
fn c_alloc(api: Api, len: usize, gfp: Gfp, fixture: &Fixture) -> Result<Alloc<'_>> {
    Ok(match (api, fixture) {
        (Api::Kmalloc | Api::Kzalloc, _) => Alloc::Kmalloc { size: len, gfp },
        (Api::Kvmalloc, _) => Alloc::Kvmalloc { size: len, gfp },
        (Api::Vmalloc, _) => Alloc::Vmalloc { size: len },
        (Api::Vzalloc, _) => Alloc::Vzalloc { size: len },
        (Api::Vmalloc32, _) => Alloc::Vmalloc32 { size: len },
        (Api::Pages, _) => Alloc::Pages {
            order: page_order(len)?,
            gfp,
        },
        (Api::GetFreePages, _) => Alloc::GetFreePages {
            order: page_order(len)?,
            gfp,
        },
        (Api::ZeroedPage, _) => Alloc::ZeroedPage { gfp },
        (Api::KmemCache | Api::KmemCacheCtor, Fixture::Cache(cache)) => {
            Alloc::KmemCache { cache, gfp }
        }
        (Api::Mempool | Api::MempoolReserve, Fixture::Pool(pool)) => Alloc::Mempool { pool, gfp },
        _ => return Err(EINVAL),
    })
}

/// The round in C, behind the same checks as the wrappers.
fn run_c(case: Case, len: usize, gfp: Gfp, iters: u32, fixture: &mut Fixture) -> Result<Round> {
    match (case.api, case.pattern) {
        (Api::KmemCacheBulk, _) => {
            let Fixture::Cache(cache) = fixture else {
                return Err(EINVAL);
            };
            let mut room = BatchRoom::new(iters, false)?;
            timed(|| baseline::kmem_cache_bulk(cache, gfp, &mut room))
        }
        (Api::PagesBulk, _) => {
            let mut room = BatchRoom::new(iters, false)?;
            timed(|| baseline::pages_bulk(gfp, &mut room))
        }
        (Api::Ioremap, _) => edu::with(|edu| timed(|| edu.remap_bar_in_c(0, len, iters)))?,
        (Api::DmaCoherent, _) => {
            edu::with(|edu| timed(|| baseline::dma_coherent(edu, len, gfp, iters)))?
        }
        (_, Pattern::Pairs) => timed(|| pairs_c(case.api, len, gfp, iters, fixture)),
        (api, pattern @ (Pattern::Batch | Pattern::Random)) => {
            let mut room = BatchRoom::new(iters, pattern == Pattern::Random)?;
            let alloc = c_alloc(api, len, gfp, fixture)?;
            timed(|| baseline::batch(alloc, &mut room))
        }
        (api, Pattern::Touch) => {
            let alloc = c_alloc(api, len, gfp, fixture)?;
            timed(|| baseline::touch(alloc, iters))
        }
    }
}

/// `iters` pairs in C.
fn pairs_c(api: Api, len: usize, gfp: Gfp, iters: u32, fixture: &mut Fixture) -> Result<u64> {
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
        (Api::Mempool | Api::MempoolReserve, Fixture::Pool(pool)) => {
            baseline::mempool(pool, gfp, iters)
        }
        (Api::Vmap, Fixture::Pages(Some(blocks))) => baseline::vmap(blocks, iters),
        (Api::KmapLocal, Fixture::Pages(Some(blocks))) => {
            baseline::kmap_local(blocks.first().ok_or(EINVAL)?, iters).map(|()| 0)
        }
        _ => Err(EINVAL),
    }
}

/// How a round makes its allocations, whatever they are: `iters` pairs, a batch of `iters`
/// freed in order or at random, or `iters` touches (`touch` writes one allocation in full).
/// The batch's slots and free order are made before the clock starts.
fn pattern_round<T, E>(
    pattern: Pattern,
    iters: u32,
    mut alloc: impl FnMut() -> Result<T, E>,
    touch: impl Fn(&mut T),
) -> Result<Round> {
    match pattern {
        Pattern::Pairs => timed(|| Ok(count_failures(iters, alloc))),
        Pattern::Touch => timed(|| {
            Ok(count_failures(iters, || {
                let mut memory = alloc()?;
                touch(&mut memory);
                Ok::<_, E>(memory)
            }))
        }),
        Pattern::Batch | Pattern::Random => {
            let room = BatchRoom::new(iters, pattern == Pattern::Random)?;
            let mut slots = KVVec::<Option<T>>::with_capacity(room.len(), GFP_KERNEL)?;
            for _ in 0..room.len() {
                // Within the capacity just made, so never refused.
                let _ = slots.push_within_capacity(None);
            }
            timed(|| {
                let mut failed = 0;
                for slot in slots.iter_mut() {
                    let memory = alloc().ok();
                    failed += u64::from(memory.is_none());
                    *slot = memory;
                }
                for &index in room.free_order() {
                    // CAST: a `u32` index fits `usize`.
                    if let Some(slot) = slots.get_mut(index as usize) {
                        drop(slot.take());
                    }
                }
                Ok(failed)
            })
        }
    }
}

/// Writes every byte of `bytes` (a touch).
fn fill(bytes: &mut [MaybeUninit<u8>]) {
    bytes.fill(MaybeUninit::new(TOUCH_BYTE));
}

/// What a touch writes (the C loop's `memset` value).
const TOUCH_BYTE: u8 = 0xa5;

/// The round over memlab's wrappers.
fn run_rust(case: Case, len: usize, gfp: Gfp, iters: u32, fixture: &mut Fixture) -> Result<Round> {
    let pattern = case.pattern;
    // CAST: a `u32` count fits `usize`.
    let n = iters as usize;
    match (case.api, fixture) {
        (Api::Kmalloc, _) => pattern_round(
            pattern,
            iters,
            || KmallocBuf::new_uninit(len, gfp),
            |buf| fill(buf.as_mut_slice()),
        ),
        (Api::Kzalloc, _) => pattern_round(pattern, iters, || KmallocBuf::zeroed(len, gfp), |_| ()),
        (Api::Krealloc, _) => timed(|| {
            Ok(count_failures(iters, || {
                let mut buf = KmallocBuf::new_uninit(len / 2, gfp)?;
                buf.resize(len, gfp).map(|()| buf)
            }))
        }),
        (Api::Kvmalloc, _) => pattern_round(
            pattern,
            iters,
            || VmallocBuf::kvmalloc_uninit(len, gfp),
            |_| (),
        ),
        (Api::Vmalloc, _) => pattern_round(
            pattern,
            iters,
            || VmallocBuf::new_uninit(len),
            |buf| fill(buf.as_mut_slice()),
        ),
        (Api::Vzalloc, _) => pattern_round(pattern, iters, || VmallocBuf::zeroed(len), |_| ()),
        (Api::Vmalloc32, _) => {
            pattern_round(pattern, iters, || VmallocBuf::new_32_uninit(len), |_| ())
        }
        (Api::Pages, _) => {
            let order = page_order(len)?;
            pattern_round(
                pattern,
                iters,
                || Pages::alloc(order, gfp),
                |block| fill(block.as_mut_slice()),
            )
        }
        (Api::GetFreePages, _) => {
            let order = page_order(len)?;
            pattern_round(pattern, iters, || FreePages::get(order, gfp), |_| ())
        }
        (Api::ZeroedPage, _) => {
            pattern_round(pattern, iters, || FreePages::zeroed_page(gfp), |_| ())
        }
        (Api::KmemCache, Fixture::Cache(cache)) => {
            pattern_round(pattern, iters, || cache.alloc_uninit(gfp), |_| ())
        }
        // A cache with a constructor gives constructed (initialised) objects.
        (Api::KmemCacheCtor, Fixture::Cache(cache)) => {
            pattern_round(pattern, iters, || cache.alloc(gfp), |_| ())
        }
        (Api::Mempool | Api::MempoolReserve, Fixture::Pool(pool)) => {
            pattern_round(pattern, iters, || pool.alloc(gfp), |_| ())
        }
        (Api::Vmap, Fixture::Pages(slot)) => timed(|| vmap_loop(slot, iters)),
        (Api::KmapLocal, Fixture::Pages(Some(blocks))) => {
            let block = blocks.first_mut().ok_or(EINVAL)?;
            timed(|| {
                for _ in 0..iters {
                    kmap::with_kmap_local(block, 0, |_bytes| ())?;
                }
                Ok(0)
            })
        }
        (Api::KmemCacheBulk, Fixture::Cache(cache)) => {
            let slots = BulkSlots::new(n)?;
            timed(|| {
                Ok(match cache.alloc_bulk_uninit(n, slots, gfp) {
                    Ok(bulk) => {
                        drop(bulk);
                        0
                    }
                    Err(_) => u64::from(iters),
                })
            })
        }
        (Api::Ioremap, _) => {
            edu::with(|edu| timed(|| Ok(count_failures(iters, || edu.bar_view(0, len)))))?
        }
        (Api::DmaCoherent, _) => edu::with(|edu| {
            timed(|| Ok(count_failures(iters, || DmaCoherent::new(edu, len, gfp))))
        })?,
        (Api::PagesBulk, _) => {
            let slots = BulkSlots::new(n)?;
            timed(|| {
                Ok(match Pages::alloc_bulk(n, slots, gfp) {
                    // CAST: at most `n`, a `u32`.
                    Ok(bulk) => u64::from(iters) - bulk.len() as u64,
                    Err(_) => u64::from(iters),
                })
            })
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

/// The round over the `kernel` crate's peer ([`exists`] says which cases have one).
fn run_kernel(case: Case, len: usize, iters: u32) -> Result<Round> {
    let flags = kernel_flags(case.api);
    let pattern = case.pattern;
    let touch = |vec: &mut KVec<u8>| fill(vec.spare_capacity_mut());
    match case.api {
        Api::Kmalloc | Api::Kzalloc => {
            check_kernel_len(len, kmalloc::MAX_SIZE)?;
            pattern_round(
                pattern,
                iters,
                || KVec::<u8>::with_capacity(len, flags),
                touch,
            )
        }
        Api::Krealloc => {
            check_kernel_len(len, kmalloc::MAX_SIZE)?;
            timed(|| {
                Ok(count_failures(iters, || {
                    let mut vec = KVec::<u8>::with_capacity(len / 2, flags)?;
                    vec.reserve(len, flags).map(|()| vec)
                }))
            })
        }
        Api::Kvmalloc => {
            check_kernel_len(len, vmalloc::MAX_SIZE)?;
            pattern_round(
                pattern,
                iters,
                || KVVec::<u8>::with_capacity(len, flags),
                |_| (),
            )
        }
        Api::Vmalloc | Api::Vzalloc => {
            check_kernel_len(len, vmalloc::MAX_SIZE)?;
            pattern_round(
                pattern,
                iters,
                || VVec::<u8>::with_capacity(len, flags),
                |vec| fill(vec.spare_capacity_mut()),
            )
        }
        Api::Pages => pattern_round(pattern, iters, || Page::alloc_page(flags), |_| ()),
        Api::DmaCoherent => {
            check_kernel_len(len, dma::MAX_LEN)?;
            edu::with(|edu| {
                let device = edu.bound_device();
                timed(|| {
                    Ok(count_failures(iters, || {
                        Coherent::<u8>::zeroed_slice(device, len, flags)
                    }))
                })
            })?
        }
        _ => Err(EINVAL),
    }
}

/// The page order of a size [`serves`] accepted for a page-allocator API.
fn page_order(len: usize) -> Result<u32> {
    // CAST: `usize` fits `u64`.
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
fn count_failures<T, E>(iters: u32, mut alloc: impl FnMut() -> Result<T, E>) -> u64 {
    let mut failed = 0;
    for _ in 0..iters {
        match alloc() {
            Ok(memory) => drop(memory),
            Err(_) => failed += 1,
        }
    }
    failed
}
