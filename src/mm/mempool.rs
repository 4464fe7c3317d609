// SPDX-License-Identifier: GPL-2.0

//! Memory pools: `mempool_create` / `mempool_alloc` / `mempool_free` / `mempool_destroy` (see
//! [`include/linux/mempool.h`](srctree/include/linux/mempool.h)).
//!
//! A pool keeps a reserve of `min_nr` elements, filled at creation, and hands one out whenever
//! its allocator fails: that is the guarantee a mempool exists for (I/O paths that must make
//! progress under memory pressure). [`Mempool`] owns its pool and destroys it on drop; each
//! [`PoolElement`] holds a [`Handle`] of the pool, so elements cannot outlive it and a pool is
//! never destroyed while elements are out (C would corrupt memory there): borrowed
//! (`PoolElement<&Mempool>`, from [`Mempool::alloc`]) or owned (`PoolElement<Arc<Mempool>>`, from
//! [`Mempool::alloc_from`] with an `Arc`, where the last element may destroy the pool). Three
//! stock backings:
//!
//! - [`Backing::Kmalloc`]: `mempool_create_kmalloc_pool(min_nr, size)`;
//! - [`Backing::Slab`]: `mempool_create_slab_pool(min_nr, cache)`, holding a reference of an
//!   `Arc<KmemCache>` without constructor (a pool hands out used elements, never re-constructed)
//!   for as long as the pool lives;
//! - [`Backing::Pages`]: `mempool_create_page_pool(min_nr, order)`;
//! - [`Backing::KmallocReclaimOnly`]: kmalloc buffers from an allocator that fails whenever the
//!   caller may not reclaim, which is `mempool_alloc`'s first try every time: the reserve in
//!   use, as under memory pressure, with no fault injection (Debian's kernel has none).
//!
//! `mempool_alloc` with a sleeping `gfp` never fails: when the allocator fails and the reserve is
//! empty it waits for an element to be freed. With `GFP_ATOMIC`/`GFP_NOWAIT` it returns `ENOMEM`
//! instead. Elements are zeroed by memlab after allocation (the pool's allocators do not take
//! `__GFP_ZERO`, and an element from the reserve holds what its last user left). The `kernel`
//! crate has no peer.
//!
//! The reserve is bounded twice before C is called: by count ([`MAX_MIN_NR`], where the kernel's
//! reserve array would WARN) and by bytes ([`max_reserve_bytes`], 1/16 of RAM, so creating a
//! pool cannot wake the OOM killer). An element leaked with `mem::forget` is counted when the
//! pool is dropped, and charged to a slab-backed pool's cache, which then stays alive.

use core::{
    ptr::NonNull,
    sync::atomic::{
        AtomicUsize,
        Ordering, //
    },
};

use kernel::{
    bindings,
    page::PAGE_SIZE,
    prelude::*,
    sync::Arc, //
};

use crate::{
    mm::{
        gfp::Gfp,
        gfp_policy::Family,
        handle::Handle,
        kmalloc,
        kmem_cache::KmemCache,
        pages, //
    },
    shim::{
        self,
        generated, //
    },
};

/// What a pool's elements are made of.
#[derive(Clone)]
pub(crate) enum Backing {
    /// `size`-byte kmalloc buffers.
    Kmalloc {
        /// Bytes per element, 1 to `KMALLOC_MAX_SIZE`.
        size: usize,
    },
    /// Objects of a cache without constructor; the pool keeps the cache alive.
    Slab(Arc<KmemCache>),
    /// Page blocks of `2^order` pages (the element is the `struct page`).
    Pages {
        /// Order of each block, up to `MAX_PAGE_ORDER`.
        order: u32,
    },
    /// `size`-byte kmalloc buffers, made only when the caller lets the allocator reclaim.
    /// `mempool_alloc` tries its allocator without reclaim first, so every allocation takes an
    /// element of the reserve while one is left (and gives it back on free); with the reserve
    /// empty, a sleeping allocation gets a buffer from the allocator's second try and a
    /// non-sleeping one fails.
    KmallocReclaimOnly {
        /// Bytes per element, 1 to `KMALLOC_MAX_SIZE`.
        size: usize,
    },
}

/// The largest reserve memlab creates, in elements: `mempool_init_node` keeps the reserve in one
/// `kmalloc_array(min_nr, sizeof(void *))`, which WARNs above `KMALLOC_MAX_SIZE` (2^19 elements).
pub(crate) const MAX_MIN_NR: usize = kmalloc::MAX_SIZE / core::mem::size_of::<usize>();

/// The largest reserve memlab creates, in bytes, as a share of RAM: 1/16. A pool fills its
/// reserve at creation and holds it until destroyed; a bigger one would wake the OOM killer.
pub(crate) fn max_reserve_bytes() -> usize {
    usize::try_from(shim::totalram_bytes() / 16).unwrap_or(usize::MAX)
}

/// A memory pool, destroyed on drop.
///
/// # Invariants
///
/// - `ptr` is a pool the `backing` constructor returned, with a reserve of `min_nr` elements, not
///   yet destroyed, owned by `self`; its elements are `element_size` bytes.
/// - If the pool is slab-backed, `cache` is that cache, kept alive by the reference.
/// - `out` counts the elements handed out and not given back: one per [`PoolElement`].
///
/// # Context
///
/// Dropping calls `mempool_destroy` (and may destroy the cache of a slab-backed pool, which
/// sleeps): drop it in process context. `drop` calls `might_sleep()` first, so
/// `CONFIG_DEBUG_ATOMIC_SLEEP` reports a drop in atomic context every time.
pub(crate) struct Mempool {
    ptr: NonNull<bindings::mempool>,
    min_nr: usize,
    element_size: usize,
    pages: bool,
    cache: Option<Arc<KmemCache>>,
    out: AtomicUsize,
}

// SAFETY: A pool may be used and destroyed from any thread; it locks internally.
unsafe impl Send for Mempool {}

// SAFETY: `mempool_alloc`/`mempool_free` may run concurrently on one pool.
unsafe impl Sync for Mempool {}

/// Checks `backing` and returns its element size.
fn element_size(backing: &Backing) -> Result<usize> {
    match backing {
        Backing::Kmalloc { size } | Backing::KmallocReclaimOnly { size }
            if *size == 0 || *size > kmalloc::MAX_SIZE =>
        {
            Err(EINVAL)
        }
        Backing::Kmalloc { size } | Backing::KmallocReclaimOnly { size } => Ok(*size),
        // A pool hands out used elements, never re-constructed.
        Backing::Slab(cache) if cache.has_constructor() => Err(EINVAL),
        Backing::Slab(cache) => Ok(cache.object_size()),
        Backing::Pages { order } if *order > pages::MAX_ORDER => Err(EINVAL),
        Backing::Pages { order } => Ok(PAGE_SIZE << order),
    }
}

impl Mempool {
    /// Creates a pool with `min_nr` reserved elements of `backing`. Sleeps.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `min_nr` of 0 or above [`MAX_MIN_NR`], a kmalloc size of 0 or above
    /// `KMALLOC_MAX_SIZE`, a page order above `MAX_PAGE_ORDER`, or a cache with a constructor;
    /// `E2BIG` for a reserve of more than [`max_reserve_bytes`]; `ENOMEM` when the pool or its
    /// reserve cannot be allocated.
    pub(crate) fn new(min_nr: usize, backing: Backing) -> Result<Self> {
        if min_nr == 0 || min_nr > MAX_MIN_NR {
            return Err(EINVAL);
        }
        let element_size = element_size(&backing)?;
        let pages = matches!(backing, Backing::Pages { .. });
        if min_nr.checked_mul(element_size).ok_or(E2BIG)? > max_reserve_bytes() {
            return Err(E2BIG);
        }
        // CAST: `min_nr <= MAX_MIN_NR` (2^19, checked above) fits `int`.
        let min_nr_c = min_nr as i32;
        kernel::task::might_sleep();
        let (ptr, cache) = match backing {
            Backing::Kmalloc { size } => {
                // SAFETY: `1 <= min_nr <= MAX_MIN_NR` and `1 <= size <= KMALLOC_MAX_SIZE`
                // (checked above): the reserve array and each element are valid kmalloc sizes.
                let ptr = unsafe { generated::memlab_mempool_create_kmalloc(min_nr_c, size) };
                (ptr, None)
            }
            Backing::KmallocReclaimOnly { size } => {
                // SAFETY: As for `Backing::Kmalloc`: `1 <= min_nr <= MAX_MIN_NR` and
                // `1 <= size <= KMALLOC_MAX_SIZE` (checked above).
                let ptr = unsafe {
                    generated::memlab_mempool_create_kmalloc_reclaim_only(min_nr_c, size)
                };
                (ptr, None)
            }
            Backing::Slab(cache) => {
                let raw_cache = cache.as_raw();
                // SAFETY: `raw_cache` is a live cache without constructor (checked above) that
                // outlives the pool (the pool keeps `cache`); `1 <= min_nr <= MAX_MIN_NR`
                // (checked above).
                let ptr = unsafe { generated::memlab_mempool_create_slab(min_nr_c, raw_cache) };
                (ptr, Some(cache))
            }
            Backing::Pages { order } => {
                // CAST: `order <= MAX_PAGE_ORDER` (10, checked above) fits `int`.
                // SAFETY: `1 <= min_nr <= MAX_MIN_NR` and `order <= MAX_PAGE_ORDER` (checked
                // above).
                let ptr = unsafe { generated::memlab_mempool_create_page(min_nr_c, order as i32) };
                (ptr, None)
            }
        };
        let ptr = NonNull::new(ptr).ok_or(ENOMEM)?;
        // INVARIANT: The constructor returned a pool with `min_nr` reserved elements of
        // `element_size` bytes, none handed out; a slab cache is kept by `cache`.
        Ok(Self {
            ptr,
            min_nr,
            element_size,
            pages,
            cache,
            out: AtomicUsize::new(0),
        })
    }

    /// The number of reserved elements the pool was created with.
    pub(crate) fn min_nr(&self) -> usize {
        self.min_nr
    }

    /// How many reserved elements the pool holds now (0..=min_nr).
    pub(crate) fn reserve(&self) -> usize {
        // SAFETY: `self.ptr` is a live pool (type invariant); the read is a single `READ_ONCE`.
        let reserve = unsafe { generated::memlab_mempool_reserve(self.ptr.as_ptr()) };
        usize::try_from(reserve).unwrap_or(0)
    }

    /// The bytes of each element.
    pub(crate) fn element_size(&self) -> usize {
        self.element_size
    }

    /// The cache of a slab-backed pool.
    pub(crate) fn cache(&self) -> Option<&KmemCache> {
        self.cache.as_deref()
    }

    /// The C pool, for the benchmarks' C baseline ([`crate::mm::baseline`]).
    pub(crate) fn as_raw(&self) -> *mut bindings::mempool {
        self.ptr.as_ptr()
    }

    /// The address of the C pool (`mempool_t`), for display.
    pub(crate) fn addr(&self) -> usize {
        // CAST: pointer to address.
        self.ptr.as_ptr() as usize
    }

    /// `mempool_alloc(pool, gfp)`, then zeroes the element, which borrows the pool.
    ///
    /// # Errors
    ///
    /// As [`Mempool::alloc_from`].
    pub(crate) fn alloc(&self, gfp: Gfp) -> Result<PoolElement<&Self>> {
        Self::alloc_from(self, gfp)
    }

    /// `mempool_alloc(pool, gfp)` through any [`Handle`] of the pool, then zeroes the element.
    /// With an `Arc`, the element keeps the pool alive. With a sleeping `gfp` this waits until an
    /// element is available rather than fail.
    ///
    /// # Errors
    ///
    /// `EINVAL` for flags the mempool allow-list refuses (see [`crate::mm::gfp_policy`]), among
    /// them `__GFP_ZERO` (mempools do not support it; memlab zeroes anyway); `ENOMEM` when
    /// neither the allocator nor the reserve has an element and `gfp` cannot sleep.
    pub(crate) fn alloc_from<P: Handle<Self>>(pool: P, gfp: Gfp) -> Result<PoolElement<P>> {
        gfp.check_for(Family::Mempool)?;
        // SAFETY: `pool.ptr` is a live pool (type invariant); `gfp` has no `__GFP_ZERO` and no
        // zone modifier (the mempool allow-list, checked above).
        let element = unsafe { generated::memlab_mempool_alloc(pool.ptr.as_ptr(), gfp.as_raw()) };
        let element = NonNull::new(element).ok_or(ENOMEM)?;
        // INVARIANT: One more element out, counted until `PoolElement::drop`.
        pool.out.fetch_add(1, Ordering::Relaxed);
        let len = pool.element_size;
        let element = PoolElement { element, pool };
        // SAFETY: `element_ptr` points to `len` writable bytes owned by the element.
        unsafe { element.element_ptr().write_bytes(0, len) };
        // INVARIANT: A fresh element of this pool, all of its bytes written just above.
        Ok(element)
    }
}

impl Drop for Mempool {
    fn drop(&mut self) {
        // See "Context" on the type.
        kernel::task::might_sleep();
        // Every `PoolElement` holds a handle of the pool (a borrow, or an `Arc` whose last
        // reference is being dropped), so none is alive now; what `out` still counts was leaked
        // (`mem::forget`). mempool_destroy frees only the reserve, so those stay
        // allocated: a slab cache must then never be destroyed.
        let leaked = self.out.load(Ordering::Acquire);
        if leaked != 0 {
            pr_err!("mempool: {leaked} element(s) were leaked\n");
            if let Some(cache) = &self.cache {
                cache.adopt_leaked(leaked);
            }
        }
        // SAFETY: `self.ptr` is a live pool owned by `self` (type invariant); no element is out
        // but the leaked ones, which mempool_destroy does not touch; destroyed once, here. A
        // slab cache is released after this body, when `cache` is dropped.
        unsafe { bindings::mempool_destroy(self.ptr.as_ptr()) };
    }
}

/// An element of a [`Mempool`], given back with `mempool_free` on drop.
///
/// `P` is how the element holds its pool (see [`Handle`]): `&Mempool` or `Arc<Mempool>`.
///
/// # Invariants
///
/// `element` is what `mempool_alloc` returned from `pool` (a buffer, or a `struct page` for a
/// page pool), not yet freed, owned by `self`; its `element_size` bytes are initialised.
///
/// # Context
///
/// Dropping the last `PoolElement<Arc<Mempool>>` of a pool whose other references are gone
/// destroys the pool (see [`Mempool`]): drop owned elements in process context. Their `drop`
/// calls `might_sleep()` first, so a misuse is reported every time.
pub(crate) struct PoolElement<P: Handle<Mempool>> {
    element: NonNull<kernel::ffi::c_void>,
    pool: P,
}

// SAFETY: The element is owned exclusively; `mempool_free` may run on any thread; the handle is
// `Send` (required) and `Mempool` is `Sync`.
unsafe impl<P: Handle<Mempool> + Send> Send for PoolElement<P> {}

// SAFETY: Shared access only reads the bytes and the handle (`Sync`, required).
unsafe impl<P: Handle<Mempool> + Sync> Sync for PoolElement<P> {}

impl<P: Handle<Mempool>> PoolElement<P> {
    /// The element's first byte: the buffer itself, or a page block's direct-map address.
    fn element_ptr(&self) -> *mut u8 {
        if self.pool.pages {
            // SAFETY: Page pools hand out `struct page` pointers of live blocks (type invariant),
            // allocated with GFP_KERNEL (never highmem) on a kernel without CONFIG_HIGHMEM (see
            // `crate::mm::pages`): `page_address` is their direct-map address.
            unsafe { generated::memlab_page_address(self.element.as_ptr().cast()) }.cast()
        } else {
            self.element.as_ptr().cast()
        }
    }

    /// The element's bytes, writable.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        let len = self.pool.element_size;
        // SAFETY: The element is `len` initialised bytes owned by `self` (type invariant);
        // `&mut self` makes the access exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.element_ptr(), len) }
    }

    /// The element's bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        let len = self.pool.element_size;
        // SAFETY: The element is `len` initialised bytes owned by `self` (type invariant); shared
        // access only reads.
        unsafe { core::slice::from_raw_parts(self.element_ptr(), len) }
    }

    /// The physical address of the element's first byte, by the kernel's `virt_to_phys`; the
    /// element's bytes are physically contiguous (a kmalloc buffer, a slab object or a block).
    pub(crate) fn phys_addr(&self) -> u64 {
        // SAFETY: Every backing's elements are in the direct map (see `element_ptr`), the domain
        // of `virt_to_phys`; nothing is dereferenced.
        unsafe { generated::virt_to_phys(self.element_ptr().cast()) }
    }

    /// The pool the element belongs to.
    pub(crate) fn pool(&self) -> &Mempool {
        &self.pool
    }
}

impl<P: Handle<Mempool>> Drop for PoolElement<P> {
    fn drop(&mut self) {
        if P::OWNS {
            // See "Context" on the type: the last owned element destroys its pool.
            kernel::task::might_sleep();
        }
        // SAFETY: `element` came from `mempool_alloc` on `pool`, which the handle keeps alive, and
        // is owned by `self`; it is freed once, here.
        unsafe { bindings::mempool_free(self.element.as_ptr(), self.pool.ptr.as_ptr()) };
        // INVARIANT: The element is back: it is no longer counted out. The handle is dropped
        // after this body (a last `Arc` then destroys the pool).
        self.pool.out.fetch_sub(1, Ordering::Release);
    }
}

#[kunit_tests(memlab_mempool)]
mod tests {
    use super::*;
    use crate::mm::{
        fault,
        kmem_cache::SlabFlags,
        testing, //
    };

    /// With the underlying allocator made to fail (the allocation after mempool's own
    /// `fail_mempool_alloc` decision point), `min_nr` allocations still succeed from the
    /// reserve, and the next non-sleeping one fails cleanly.
    fn reserve_survives_allocator_failure(pool: &Mempool) -> Result {
        let mut elements = KVec::new();
        for taken in 1..=pool.min_nr() {
            let Some(element) = testing::fail_nth(2, || pool.alloc(Gfp::KERNEL | Gfp::NOWARN))
            else {
                return Ok(());
            };
            let mut element = element?;
            assert_eq!(pool.reserve(), pool.min_nr() - taken);
            assert!(element.as_mut_slice().iter().all(|&b| b == 0));
            element.as_mut_slice().fill(0xee);
            elements.push(element, GFP_KERNEL)?;
        }
        let (result, injected) = fault::run_failing(2, || pool.alloc(Gfp::NOWAIT)).ok_or(EINVAL)?;
        assert!(injected);
        assert_eq!(result.err(), Some(ENOMEM));
        // Elements go back to the reserve first.
        drop(elements);
        assert_eq!(pool.reserve(), pool.min_nr());
        Ok(())
    }

    #[test]
    fn kmalloc_pool_reserve_survives_failure() -> Result {
        reserve_survives_allocator_failure(&Mempool::new(4, Backing::Kmalloc { size: 256 })?)
    }

    #[test]
    fn slab_pool_reserve_survives_failure() -> Result {
        let cache = Arc::new(
            KmemCache::new(c"pool", 96, 0, SlabFlags::NO_MERGE)?,
            GFP_KERNEL,
        )?;
        let pool = Mempool::new(3, Backing::Slab(cache))?;
        reserve_survives_allocator_failure(&pool)
    }

    #[test]
    fn page_pool_reserve_survives_failure() -> Result {
        reserve_survives_allocator_failure(&Mempool::new(2, Backing::Pages { order: 1 })?)
    }

    #[test]
    fn without_failures_elements_come_from_the_allocator() -> Result {
        let pool = Mempool::new(2, Backing::Kmalloc { size: 64 })?;
        let a = pool.alloc(Gfp::KERNEL)?;
        let b = pool.alloc(Gfp::ATOMIC)?;
        assert_eq!(pool.reserve(), 2);
        drop((a, b));
        Ok(())
    }

    #[test]
    fn a_reclaim_only_pool_serves_from_its_reserve_first() -> Result {
        let pool = Mempool::new(3, Backing::KmallocReclaimOnly { size: 200 })?;
        assert_eq!((pool.reserve(), pool.element_size()), (3, 200));
        // A pair: the element leaves the reserve and comes back to it.
        let element = pool.alloc(Gfp::KERNEL)?;
        assert_eq!(pool.reserve(), 2);
        drop(element);
        assert_eq!(pool.reserve(), 3);
        // Non-sleeping allocations drain the reserve, then fail: the allocator refuses them.
        let mut held = KVec::new();
        for left in (0..3).rev() {
            let mut element = pool.alloc(Gfp::NOWAIT)?;
            assert!(element.as_slice().iter().all(|&b| b == 0));
            element.as_mut_slice().fill(0x5a);
            held.push(element, GFP_KERNEL)?;
            assert_eq!(pool.reserve(), left);
        }
        assert_eq!(pool.alloc(Gfp::NOWAIT | Gfp::NOWARN).err(), Some(ENOMEM));
        // A sleeping one reaches the allocator's second try, with reclaim.
        let extra = pool.alloc(Gfp::KERNEL)?;
        assert_eq!(pool.reserve(), 0);
        // Frees refill the reserve first; the element beyond it goes back to kfree.
        drop(held);
        assert_eq!(pool.reserve(), 3);
        drop(extra);
        assert_eq!(pool.reserve(), 3);
        assert_eq!(
            Mempool::new(1, Backing::KmallocReclaimOnly { size: 0 }).err(),
            Some(EINVAL)
        );
        Ok(())
    }

    #[test]
    fn bad_arguments_are_errors() -> Result {
        assert_eq!(
            Mempool::new(0, Backing::Kmalloc { size: 8 }).err(),
            Some(EINVAL)
        );
        assert_eq!(
            Mempool::new(1, Backing::Kmalloc { size: 0 }).err(),
            Some(EINVAL)
        );
        assert_eq!(
            Mempool::new(
                1,
                Backing::Pages {
                    order: pages::MAX_ORDER + 1
                }
            )
            .err(),
            Some(EINVAL)
        );
        let pool = Mempool::new(1, Backing::Kmalloc { size: 8 })?;
        assert_eq!(pool.alloc(Gfp::KERNEL | Gfp::ZERO).err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn reserves_are_bounded_by_count_and_bytes() -> Result {
        let create = |min_nr, size| Mempool::new(min_nr, Backing::Kmalloc { size }).err();
        assert_eq!(create(MAX_MIN_NR + 1, 8), Some(EINVAL));
        assert_eq!(create(usize::MAX, 8), Some(EINVAL));
        let too_many = max_reserve_bytes() / kmalloc::MAX_SIZE + 1;
        assert_eq!(create(too_many, kmalloc::MAX_SIZE), Some(E2BIG));
        let pages = Mempool::new(MAX_MIN_NR, Backing::Pages { order: 0 }).err();
        assert_eq!(pages, Some(E2BIG));
        Ok(())
    }

    #[test]
    fn a_forgotten_element_keeps_its_slab_cache_alive() -> Result {
        let cache = KmemCache::new(c"pool_forgotten", 32, 0, SlabFlags::NO_MERGE)?;
        let cache = Arc::new(cache, GFP_KERNEL)?;
        let raw_cache = cache.as_raw();
        let pool = Mempool::new(1, Backing::Slab(cache.clone()))?;
        let element = pool.alloc(Gfp::KERNEL)?;
        let leaked = element.element.as_ptr();
        core::mem::forget(element);
        drop(pool);
        // The leaked element is still an object of the cache: the drop of its last reference must
        // leave the cache.
        drop(cache);
        // SAFETY: The cache was left alive (a destroyed one would make this a use-after-free,
        // which KASAN reports), `leaked` is its one object, and nothing else refers to either:
        // the test frees what it leaked on purpose.
        unsafe {
            bindings::kmem_cache_free(raw_cache, leaked);
            bindings::kmem_cache_destroy(raw_cache);
        }
        Ok(())
    }

    #[test]
    fn owned_elements_keep_their_pool_and_its_cache_alive() -> Result {
        let cache = KmemCache::new(
            c"owned_pool",
            64,
            0,
            SlabFlags::NO_MERGE | SlabFlags::POISON,
        )?;
        let cache = Arc::new(cache, GFP_KERNEL)?;
        let pool = Arc::new(Mempool::new(2, Backing::Slab(cache.clone()))?, GFP_KERNEL)?;
        let mut first = Mempool::alloc_from(pool.clone(), Gfp::KERNEL)?;
        let mut second = Mempool::alloc_from(pool.clone(), Gfp::KERNEL)?;
        // The creators' references go first: the elements alone keep the pool, and the pool its
        // cache.
        drop((pool, cache));
        first.as_mut_slice().fill(0x31);
        second.as_mut_slice().fill(0x32);
        assert_eq!(first.pool().element_size(), 64);
        let name = first.pool().cache().map(|cache| cache.name().to_bytes());
        assert_eq!(name, Some(&b"memlab_owned_pool"[..]));
        drop(first);
        assert!(second.as_slice().iter().all(|&b| b == 0x32));
        // The last element destroys the pool, then the cache, whose name is free again.
        drop(second);
        let again = KmemCache::new(c"owned_pool", 8, 0, SlabFlags::NONE)?;
        assert_eq!(again.name().to_bytes(), b"memlab_owned_pool");
        Ok(())
    }

    #[test]
    fn injected_creation_failures_are_enomem() -> Result {
        let Some(walk) = testing::fail_each_point(
            32,
            || Ok(()),
            |()| Mempool::new(4, Backing::Kmalloc { size: 128 }),
        )?
        else {
            return Ok(());
        };
        assert!(walk.errors >= 1);
        assert!(walk.completed);
        Ok(())
    }
}
