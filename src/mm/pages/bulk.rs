// SPDX-License-Identifier: GPL-2.0

//! Bulk allocation of single pages: `alloc_pages_bulk` fills an array with up to N order-0
//! pages in one call (it may give fewer), each freed with `__free_page` (the kernel exports no
//! bulk free to modules).

use core::mem::MaybeUninit;

use kernel::{
    bindings,
    page::BorrowedPage,
    prelude::*, //
};

use super::{
    nth_page,
    Pages, //
};
use crate::{
    mm::{
        bulk_slots::BulkSlots,
        gfp::Gfp,
        gfp_policy::Family, //
    },
    shim::generated,
};

/// Single pages from one `alloc_pages_bulk` call, each freed with `__free_page` on drop. Their
/// contents are undefined until written.
///
/// # Invariants
///
/// The first `count` entries of `slots` are distinct order-0 pages `alloc_pages_bulk` returned,
/// not yet freed, owned by `self`, in the direct map (no `__GFP_HIGHMEM`); `count` is within the
/// room's capacity.
pub(crate) struct PageBulk {
    slots: BulkSlots<bindings::page>,
    count: usize,
}

impl Pages<MaybeUninit<u8>> {
    /// `alloc_pages_bulk(gfp, count, slots)`: up to `count` single pages in one call (fewer
    /// when memory is short: see [`PageBulk::len`]). Sleeps if `gfp` allows it.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a `count` of 0, above `i32::MAX` or above the room's capacity, or flags the
    /// page allocator's allow-list refuses; `ENOMEM` when not one page was allocated. The room
    /// comes back with the error.
    pub(crate) fn alloc_bulk(
        count: usize,
        mut slots: BulkSlots<bindings::page>,
        gfp: Gfp,
    ) -> Result<PageBulk, (Error, BulkSlots<bindings::page>)> {
        if let Err(error) = gfp.check_for(Family::Pages) {
            return Err((error, slots));
        }
        // `alloc_pages_bulk` takes an `int` count.
        let n = i32::try_from(count).ok().filter(|&n| n > 0);
        let (Some(n), Some(array)) = (n, slots.array(count)) else {
            return Err((EINVAL, slots));
        };
        // SAFETY: `array` has room for `count` entries: cleared here, since `alloc_pages_bulk`
        // fills only the NULL ones.
        unsafe { core::ptr::write_bytes(array, 0, count) };
        let (gfp, n) = (gfp.as_raw(), n.unsigned_abs());
        // SAFETY: `gfp` passed the allow-list; `array` holds `n` NULL entries.
        let filled = unsafe { generated::memlab_alloc_pages_bulk(gfp, n, array) };
        // CAST: at most `n`, which fits `usize`.
        let count = filled as usize;
        if count == 0 {
            return Err((ENOMEM, slots));
        }
        // INVARIANT: `alloc_pages_bulk` filled the first `count` entries (all were NULL) with
        // order-0 pages, now owned by the bulk; the allow-list has no `__GFP_HIGHMEM`.
        Ok(PageBulk { slots, count })
    }
}

impl PageBulk {
    /// How many pages the bulk holds (at most what was asked).
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Page `index`, borrowed, or `None` past the end.
    pub(crate) fn page(&self, index: usize) -> Option<BorrowedPage<'_>> {
        // SAFETY: Entry `index < count` holds a page the bulk owns (type invariant), allocated
        // for as long as `self` is borrowed; it is its own block, so its 0th page is itself.
        (index < self.count).then(|| unsafe { nth_page(self.slots.get(index), 0) })
    }

    /// Frees the pages and hands the room back.
    pub(crate) fn free(mut self) -> BulkSlots<bindings::page> {
        self.free_pages();
        core::mem::take(&mut self.slots)
    }

    fn free_pages(&mut self) {
        let count = core::mem::replace(&mut self.count, 0);
        for index in 0..count {
            // SAFETY: Entries below `count` are order-0 pages the bulk owns (type invariant);
            // each is freed once (`count` is already 0).
            unsafe { bindings::__free_pages(self.slots.get(index), 0) };
        }
    }
}

impl Drop for PageBulk {
    fn drop(&mut self) {
        self.free_pages();
    }
}

#[kunit_tests(memlab_page_bulk)]
mod tests {
    use super::*;
    use crate::mm::pages::placement;

    #[test]
    fn a_bulk_holds_distinct_pages_and_gives_its_room_back() -> Result {
        let slots = BulkSlots::new(8)?;
        let bulk = Pages::alloc_bulk(8, slots, Gfp::KERNEL).map_err(|(error, _)| error)?;
        // Memory is plentiful in the test VM: every page asked for comes.
        assert_eq!(bulk.len(), 8);
        let mut pfns = KVec::new();
        for index in 0..8 {
            let page = bulk.page(index).ok_or(EINVAL)?;
            // SAFETY: The page is borrowed from the bulk, which owns it.
            let pfn = unsafe { placement(page.as_ptr()) }.pfn;
            assert!(!pfns.contains(&pfn));
            pfns.push(pfn, GFP_KERNEL)?;
        }
        assert!(bulk.page(8).is_none());
        let slots = bulk.free();
        assert_eq!(slots.capacity(), 8);
        // The room serves the next bulk (stale entries are cleared first); dropping frees too.
        let bulk = Pages::alloc_bulk(8, slots, Gfp::KERNEL).map_err(|(error, _)| error)?;
        assert_eq!(bulk.len(), 8);
        drop(bulk);
        Ok(())
    }

    #[test]
    fn refusals_give_the_room_back() -> Result {
        let mut slots = BulkSlots::new(4)?;
        for (count, gfp) in [
            (0, Gfp::KERNEL),
            (5, Gfp::KERNEL),
            (4, Gfp::KERNEL | Gfp::HIGHMEM),
        ] {
            let Err((error, back)) = Pages::alloc_bulk(count, slots, gfp) else {
                return Err(EINVAL);
            };
            assert_eq!((error, back.capacity()), (EINVAL, 4));
            slots = back;
        }
        Ok(())
    }
}
