// SPDX-License-Identifier: GPL-2.0

//! Memory pools: `mempool_create` / `mempool_alloc` / `mempool_free` / `mempool_destroy` (see
//! [`include/linux/mempool.h`](srctree/include/linux/mempool.h)).
//!
//! A pool keeps a reserve of `min_nr` elements, filled at creation, and hands one out whenever
//! its allocator fails: that is the guarantee a mempool exists for (I/O paths that must make
//! progress under memory pressure). [`Mempool`] owns its pool and destroys it on drop; each
//! [`PoolElement`] borrows the pool, so elements cannot outlive it and a pool cannot be destroyed
//! while elements are out (C would corrupt memory there). Three stock backings:
//!
//! - [`Backing::Kmalloc`]: `mempool_create_kmalloc_pool(min_nr, size)`;
//! - [`Backing::Slab`]: `mempool_create_slab_pool(min_nr, cache)`, borrowing a [`KmemCache`]
//!   without constructor (a pool hands out used elements, never re-constructed);
//! - [`Backing::Pages`]: `mempool_create_page_pool(min_nr, order)`.
//!
//! `mempool_alloc` with a sleeping `gfp` never fails: when the allocator fails and the reserve is
//! empty it waits for an element to be freed. With `GFP_ATOMIC`/`GFP_NOWAIT` it returns `ENOMEM`
//! instead. Elements are zeroed by memlab after allocation (the pool's allocators do not take
//! `__GFP_ZERO`, and an element from the reserve holds what its last user left). The `kernel`
//! crate has no peer.

use core::{
    marker::PhantomData,
    ptr::NonNull, //
};

use kernel::{
    bindings,
    page::PAGE_SIZE,
    prelude::*, //
};

use crate::{
    gfp::Gfp,
    kmalloc,
    kmem_cache::KmemCache,
    pages,
    shim::generated, //
};

/// What a pool's elements are made of.
#[derive(Clone, Copy)]
pub(crate) enum Backing<'c> {
    /// `size`-byte kmalloc buffers.
    Kmalloc {
        /// Bytes per element, 1 to `KMALLOC_MAX_SIZE`.
        size: usize,
    },
    /// Objects of a cache without constructor.
    Slab(&'c KmemCache),
    /// Page blocks of `2^order` pages (the element is the `struct page`).
    Pages {
        /// Order of each block, up to `MAX_PAGE_ORDER`.
        order: u32,
    },
}

/// A memory pool, destroyed on drop.
///
/// # Invariants
///
/// - `ptr` is a pool the `backing` constructor returned, with a reserve of `min_nr` elements, not
///   yet destroyed, owned by `self`; its elements are `element_size` bytes.
/// - If `backing` is a slab cache, that cache outlives the pool (`'c`).
pub(crate) struct Mempool<'c> {
    ptr: NonNull<bindings::mempool>,
    min_nr: usize,
    element_size: usize,
    pages: bool,
    _cache: PhantomData<&'c KmemCache>,
}

// SAFETY: A pool may be used and destroyed from any thread; it locks internally.
unsafe impl Send for Mempool<'_> {}

// SAFETY: `mempool_alloc`/`mempool_free` may run concurrently on one pool.
unsafe impl Sync for Mempool<'_> {}

impl<'c> Mempool<'c> {
    /// Creates a pool with `min_nr` reserved elements of `backing`. Sleeps.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `min_nr == 0`, a kmalloc size of 0 or above `KMALLOC_MAX_SIZE`, a page order
    /// above `MAX_PAGE_ORDER`, or a cache with a constructor; `ENOMEM` when the pool or its
    /// reserve cannot be allocated.
    pub(crate) fn new(min_nr: usize, backing: Backing<'c>) -> Result<Self> {
        let min_nr_c = i32::try_from(min_nr).map_err(|_| EINVAL)?;
        if min_nr == 0 {
            return Err(EINVAL);
        }
        kernel::task::might_sleep();
        let (ptr, element_size, pages) = match backing {
            Backing::Kmalloc { size } => {
                if size == 0 || size > kmalloc::MAX_SIZE {
                    return Err(EINVAL);
                }
                // SAFETY: `min_nr >= 1`, `size` is a valid kmalloc size; we may sleep.
                let ptr = unsafe { generated::memlab_mempool_create_kmalloc(min_nr_c, size) };
                (ptr, size, false)
            }
            Backing::Slab(cache) => {
                if cache.has_constructor() {
                    return Err(EINVAL);
                }
                let raw_cache = cache.as_raw();
                // SAFETY: `raw_cache` is a live cache without constructor that outlives the pool
                // (`'c`); `min_nr >= 1`; we may sleep.
                let ptr = unsafe { generated::memlab_mempool_create_slab(min_nr_c, raw_cache) };
                (ptr, cache.object_size(), false)
            }
            Backing::Pages { order } => {
                if order > pages::MAX_ORDER {
                    return Err(EINVAL);
                }
                // CAST: `order <= MAX_PAGE_ORDER` (10) fits `int`.
                // SAFETY: `min_nr >= 1`, `order` is a valid order; we may sleep.
                let ptr = unsafe { generated::memlab_mempool_create_page(min_nr_c, order as i32) };
                (ptr, PAGE_SIZE << order, true)
            }
        };
        let ptr = NonNull::new(ptr).ok_or(ENOMEM)?;
        // INVARIANT: The constructor returned a pool with `min_nr` reserved elements of
        // `element_size` bytes; a slab cache is borrowed for `'c`.
        Ok(Self {
            ptr,
            min_nr,
            element_size,
            pages,
            _cache: PhantomData,
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

    /// `mempool_alloc(pool, gfp)`, then zeroes the element. With a sleeping `gfp` this waits
    /// until an element is available rather than fail.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `__GFP_ZERO` (mempools do not support it; memlab zeroes anyway) and for flags
    /// [`Gfp::check_slab_allocation`] refuses; `ENOMEM` when neither the allocator nor the
    /// reserve has an element and `gfp` cannot sleep.
    pub(crate) fn alloc(&self, gfp: Gfp) -> Result<PoolElement<'_, 'c>> {
        if gfp.contains(Gfp::ZERO) {
            return Err(EINVAL);
        }
        gfp.check_slab_allocation()?;
        // SAFETY: `self.ptr` is a live pool (type invariant); `gfp` has no `__GFP_ZERO`.
        let element = unsafe { generated::memlab_mempool_alloc(self.ptr.as_ptr(), gfp.as_raw()) };
        let element = NonNull::new(element).ok_or(ENOMEM)?;
        let mut element = PoolElement {
            element,
            pool: self,
        };
        // SAFETY: `element_ptr` points to `element_size` writable bytes owned by the element.
        unsafe { element.element_ptr().write_bytes(0, self.element_size) };
        // INVARIANT: A fresh element of this pool, all of its bytes written just above.
        Ok(element)
    }
}

impl Drop for Mempool<'_> {
    fn drop(&mut self) {
        // SAFETY: `self.ptr` is a live pool owned by `self` (type invariant); every element
        // borrows the pool, so none is out; it is destroyed once, here.
        unsafe { bindings::mempool_destroy(self.ptr.as_ptr()) };
    }
}

/// An element of a [`Mempool`], given back with `mempool_free` on drop.
///
/// # Invariants
///
/// `element` is what `mempool_alloc` returned from `pool` (a buffer, or a `struct page` for a
/// page pool), not yet freed, owned by `self`; its `element_size` bytes are initialised.
pub(crate) struct PoolElement<'p, 'c> {
    element: NonNull<kernel::ffi::c_void>,
    pool: &'p Mempool<'c>,
}

// SAFETY: The element is owned exclusively; `mempool_free` may run on any thread; `Mempool` is
// `Sync`.
unsafe impl Send for PoolElement<'_, '_> {}

// SAFETY: Shared access only reads.
unsafe impl Sync for PoolElement<'_, '_> {}

impl PoolElement<'_, '_> {
    /// The element's first byte: the buffer itself, or a page block's direct-map address.
    fn element_ptr(&mut self) -> *mut u8 {
        if self.pool.pages {
            // SAFETY: Page pools hand out `struct page` pointers of live blocks (type invariant),
            // in the direct map on x86_64.
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
}

impl Drop for PoolElement<'_, '_> {
    fn drop(&mut self) {
        // SAFETY: `element` came from `mempool_alloc` on `pool`, which is alive (borrowed), and is
        // owned by `self`; it is freed once, here.
        unsafe { bindings::mempool_free(self.element.as_ptr(), self.pool.ptr.as_ptr()) };
    }
}

#[kunit_tests(memlab_mempool)]
mod tests {
    use super::*;
    use crate::{
        fault,
        kmem_cache::SlabFlags,
        testing, //
    };

    /// With the underlying allocator made to fail (the allocation after mempool's own
    /// `fail_mempool_alloc` decision point), `min_nr` allocations still succeed from the
    /// reserve, and the next non-sleeping one fails cleanly.
    fn reserve_survives_allocator_failure(pool: &Mempool<'_>) -> Result {
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
        let cache = KmemCache::new(c"pool", 96, 0, SlabFlags::NO_MERGE)?;
        let pool = Mempool::new(3, Backing::Slab(&cache))?;
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
