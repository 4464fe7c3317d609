// SPDX-License-Identifier: GPL-2.0

//! Bulk allocation from a [`KmemCache`]: `kmem_cache_alloc_bulk` gives N objects in one call
//! (all or none) and `kmem_cache_free_bulk` takes them back in one call, each amortising the
//! per-call work of the slab allocator over the batch (see `include/linux/slab.h`).
//!
//! The kernel requires interrupts enabled for both: the allocation refuses to run with them
//! disabled, and a drop with them disabled frees object by object (`kmem_cache_free`, which
//! allows any context) instead of in bulk.

use core::{
    ffi::c_void,
    mem::MaybeUninit,
    sync::atomic::Ordering, //
};

use kernel::{
    bindings,
    prelude::*, //
};

use super::KmemCache;
use crate::{
    mm::{
        bulk_slots::BulkSlots,
        gfp::Gfp,
        gfp_policy::Family, //
    },
    shim,
};

/// Objects of one [`KmemCache`], allocated together and freed together on drop. Their contents
/// are undefined until written (the cache has no constructor).
///
/// # Invariants
///
/// The first `count` entries of `slots` are distinct objects `kmem_cache_alloc_bulk` returned
/// from `cache`, not yet freed, owned by `self` and counted in `cache.live`; `cache` has no
/// constructor; `count` is within the room's capacity.
pub(crate) struct SlabBulk<'a> {
    cache: &'a KmemCache,
    slots: BulkSlots<c_void>,
    count: usize,
}

impl KmemCache {
    /// `kmem_cache_alloc_bulk(cache, gfp, count, slots)`: `count` objects in one call, or none.
    /// Sleeps if `gfp` allows it.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a cache with a constructor, a `count` of 0 or above the room's capacity,
    /// flags kmem_cache's allow-list refuses, or interrupts disabled; `ENOMEM` when the
    /// allocation fails. The room comes back with the error.
    pub(crate) fn alloc_bulk_uninit(
        &self,
        count: usize,
        mut slots: BulkSlots<c_void>,
        gfp: Gfp,
    ) -> Result<SlabBulk<'_>, (Error, BulkSlots<c_void>)> {
        if self.constructed || count == 0 || shim::irqs_disabled() {
            return Err((EINVAL, slots));
        }
        if let Err(error) = gfp.check_for(Family::KmemCache) {
            return Err((error, slots));
        }
        let Some(array) = slots.array(count) else {
            return Err((EINVAL, slots));
        };
        // SAFETY: `self.ptr` is a live cache without a constructor (type invariants, checked);
        // `gfp` passed the allow-list; `array` has room for `count` pointers; interrupts are
        // enabled (checked).
        let filled = unsafe {
            bindings::kmem_cache_alloc_bulk_noprof(self.ptr.as_ptr(), gfp.as_raw(), count, array)
        };
        if !filled {
            return Err((ENOMEM, slots));
        }
        // INVARIANT: `count` more live objects, counted until the bulk is freed.
        self.live.fetch_add(count, Ordering::Relaxed);
        // INVARIANT: `kmem_cache_alloc_bulk` filled the `count` entries with objects of this
        // cache, now owned by the bulk.
        Ok(SlabBulk {
            cache: self,
            slots,
            count,
        })
    }
}

impl SlabBulk<'_> {
    /// How many objects the bulk holds.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Object `index`'s bytes, writable, or `None` past the end.
    pub(crate) fn object_mut(&mut self, index: usize) -> Option<&mut [MaybeUninit<u8>]> {
        if index >= self.count {
            return None;
        }
        // SAFETY: Entry `index < count` holds an object (type invariant).
        let object = unsafe { self.slots.get(index) };
        // SAFETY: The object is `object_size` bytes, owned by `self` and distinct from the others
        // (type invariant); `&mut self` makes the access exclusive; its bytes are typed
        // uninitialised, and writing them keeps them valid.
        Some(unsafe { core::slice::from_raw_parts_mut(object.cast(), self.cache.object_size) })
    }

    /// Frees the objects (one `kmem_cache_free_bulk`) and hands the room back.
    pub(crate) fn free(mut self) -> BulkSlots<c_void> {
        self.free_objects();
        core::mem::take(&mut self.slots)
    }

    fn free_objects(&mut self) {
        let count = core::mem::replace(&mut self.count, 0);
        if count == 0 {
            return;
        }
        let cache = self.cache.ptr.as_ptr();
        match self.slots.array(count) {
            Some(array) if !shim::irqs_disabled() => {
                // SAFETY: The `count` entries of `array` are objects of `cache`, owned by the
                // bulk (type invariant), freed once here (`count` is already 0); interrupts
                // are enabled (checked).
                unsafe { bindings::kmem_cache_free_bulk(cache, count, array) };
            }
            _ => {
                for index in 0..count {
                    // SAFETY: Entries below `count` hold objects of `cache`, owned by the bulk
                    // (type invariant); each is freed once (`count` is already 0), by the free
                    // that any context allows.
                    unsafe { bindings::kmem_cache_free(cache, self.slots.get(index)) };
                }
            }
        }
        // INVARIANT: The objects are freed: no longer counted live, and the bulk owns none.
        self.cache.live.fetch_sub(count, Ordering::Release);
    }
}

impl Drop for SlabBulk<'_> {
    fn drop(&mut self) {
        self.free_objects();
    }
}

#[kunit_tests(memlab_slab_bulk)]
mod tests {
    use super::*;
    use crate::mm::{
        kmem_cache::SlabFlags,
        testing, //
    };
    use kernel::interrupt::local_interrupt_disable;

    fn live(cache: &KmemCache) -> usize {
        cache.live.load(Ordering::Relaxed)
    }

    #[test]
    fn a_bulk_holds_distinct_writable_objects_and_gives_its_room_back() -> Result {
        let cache = KmemCache::new(c"bulk", 64, 0, SlabFlags::NO_MERGE)?;
        let slots = BulkSlots::new(16)?;
        let mut bulk = cache
            .alloc_bulk_uninit(16, slots, Gfp::KERNEL)
            .map_err(|(error, _)| error)?;
        assert_eq!((bulk.len(), live(&cache)), (16, 16));
        for (index, byte) in (0..16).zip(0u8..) {
            let object = bulk.object_mut(index).ok_or(EINVAL)?;
            assert_eq!(object.len(), 64);
            object.fill(MaybeUninit::new(byte));
        }
        assert!(bulk.object_mut(16).is_none());
        // Every object kept its own bytes: no two share memory.
        for (index, byte) in (0..16).zip(0u8..) {
            let object = bulk.object_mut(index).ok_or(EINVAL)?;
            // SAFETY: Every byte was written above.
            assert!(object.iter().all(|b| unsafe { b.assume_init() } == byte));
        }
        let slots = bulk.free();
        assert_eq!((slots.capacity(), live(&cache)), (16, 0));
        // The room serves the next bulk; dropping it frees too.
        let bulk = cache
            .alloc_bulk_uninit(8, slots, Gfp::KERNEL)
            .map_err(|(error, _)| error)?;
        assert_eq!((bulk.len(), live(&cache)), (8, 8));
        drop(bulk);
        assert_eq!(live(&cache), 0);
        Ok(())
    }

    #[test]
    fn refusals_give_the_room_back() -> Result {
        let cache = KmemCache::new(c"bulk_refused", 64, 0, SlabFlags::NO_MERGE)?;
        let constructed = KmemCache::with_fill(c"bulk_ctor", 64, 0, SlabFlags::NO_MERGE, 0x5a)?;
        let mut slots = BulkSlots::new(4)?;
        for (count, gfp, on) in [
            (0, Gfp::KERNEL, &cache),
            (5, Gfp::KERNEL, &cache),
            (4, Gfp::KERNEL | Gfp::HIGHMEM, &cache),
            (4, Gfp::KERNEL, &constructed),
        ] {
            let Err((error, back)) = on.alloc_bulk_uninit(count, slots, gfp) else {
                return Err(EINVAL);
            };
            assert_eq!(error, EINVAL);
            assert_eq!(back.capacity(), 4);
            slots = back;
        }
        // With interrupts disabled (the kernel requires them on), the allocation is refused.
        let disabled = local_interrupt_disable();
        let Err((error, slots)) = cache.alloc_bulk_uninit(4, slots, Gfp::ATOMIC) else {
            return Err(EINVAL);
        };
        drop(disabled);
        assert_eq!(error, EINVAL);
        assert_eq!((slots.capacity(), live(&cache)), (4, 0));
        Ok(())
    }

    #[test]
    fn a_drop_with_interrupts_disabled_frees_object_by_object() -> Result {
        let cache = KmemCache::new(c"bulk_irqs", 64, 0, SlabFlags::NO_MERGE)?;
        let bulk = cache
            .alloc_bulk_uninit(4, BulkSlots::new(4)?, Gfp::KERNEL)
            .map_err(|(error, _)| error)?;
        let disabled = local_interrupt_disable();
        drop(bulk);
        drop(disabled);
        assert_eq!(live(&cache), 0);
        Ok(())
    }

    #[test]
    fn an_injected_failure_is_enomem_and_gives_the_room_back() -> Result {
        let cache = KmemCache::new(c"bulk_failing", 64, 0, SlabFlags::NO_MERGE)?;
        let slots = BulkSlots::new(4)?;
        let Some(result) = testing::fail_nth(1, || {
            cache
                .alloc_bulk_uninit(4, slots, Gfp::KERNEL | Gfp::NOWARN)
                .map(|bulk| bulk.len())
        }) else {
            return Ok(());
        };
        let Err((error, slots)) = result else {
            return Err(EINVAL);
        };
        assert_eq!((error, slots.capacity(), live(&cache)), (ENOMEM, 4, 0));
        Ok(())
    }
}
