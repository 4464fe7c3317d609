// SPDX-License-Identifier: GPL-2.0

//! The page allocator: blocks of `2^order` physically contiguous pages.
//!
//! Two owned types, one per way of asking (see
//! [`include/linux/gfp.h`](srctree/include/linux/gfp.h)):
//!
//! - [`Pages`]: `alloc_pages(gfp, order)`, freed with `__free_pages`; it knows its `struct page`.
//! - [`FreePages`]: `__get_free_pages(gfp, order)` / `get_zeroed_page(gfp)`, freed with
//!   `free_pages`; it knows its direct-map address.
//!
//! And single pages by the batch: [`bulk::PageBulk`], from `alloc_pages_bulk`.
//!
//! Both report the block's physical address, page frame number and zone, and lend out each of
//! their pages as a [`BorrowedPage`]. As with every memlab buffer, contents the allocator did not
//! define are typed `MaybeUninit<u8>` until written (see [`crate::mm::byte`]). Orders above
//! `MAX_PAGE_ORDER` (which the kernel answers with a WARN) are `EINVAL` before C is called.
//!
//! The `kernel` crate's peer is `kernel::page::Page`: order 0 only, no zone or address.
//!
//! Every block here has a kernel address for as long as it lives, because it lies in the direct
//! map (lowmem), also on a kernel with `CONFIG_HIGHMEM`: memlab refuses `__GFP_HIGHMEM` here (see
//! [`crate::mm::gfp_policy`]), and without it the page allocator never hands out a highmem page.
//! This file, [`crate::mm::mempool`]'s page pools and [`crate::mm::vmap`] read pages through
//! `page_address`, which is NULL for a highmem page.

use core::{
    marker::PhantomData,
    mem::{
        ManuallyDrop,
        MaybeUninit, //
    },
    ptr::NonNull,
};

use kernel::{
    bindings,
    page::{
        BorrowedPage,
        PAGE_SIZE, //
    },
    prelude::*, //
};

use crate::{
    mm::{
        byte::{
            self,
            Byte, //
        },
        gfp::Gfp,
        gfp_policy::Family, //
    },
    shim::{
        self,
        generated, //
    },
};

pub(crate) mod bulk;

/// The largest order the page allocator serves: the kernel's `MAX_PAGE_ORDER`.
pub(crate) const MAX_ORDER: u32 = bindings::MAX_PAGE_ORDER;

/// `EINVAL` for an order above [`MAX_ORDER`], which the kernel would answer with a WARN.
pub(crate) fn check_order(order: u32) -> Result {
    if order > MAX_ORDER {
        return Err(EINVAL);
    }
    Ok(())
}

/// Where a block of pages lives, read from the kernel.
pub(crate) struct Placement {
    /// Page frame number of the first page.
    pub(crate) pfn: u64,
    /// Physical address of the first byte.
    pub(crate) phys: u64,
    /// Name of the zone ("DMA", "DMA32", "Normal", ...).
    pub(crate) zone: &'static str,
}

/// Reads where `page` lives.
///
/// # Safety
///
/// `page` points to a valid `struct page` for the duration of the call (the caller owns or
/// borrows the page).
pub(crate) unsafe fn placement(page: *mut bindings::page) -> Placement {
    // SAFETY: `page` is a valid `struct page` (function safety requirement).
    let pfn = unsafe { generated::memlab_page_to_pfn(page) };
    // SAFETY: As above; the zone's name points to the static `zone_names` table.
    let zone = unsafe { shim::static_str(generated::memlab_page_zone_name(page)) };
    // CAST: `unsigned long` fits `u64`.
    let pfn = pfn as u64;
    Placement {
        pfn,
        phys: pfn << bindings::PAGE_SHIFT,
        zone,
    }
}

/// The `index`-th page of the block starting at `first`.
///
/// # Safety
///
/// `first` starts a block of more than `index` pages that stays allocated for `'a`.
pub(crate) unsafe fn nth_page<'a>(first: *mut bindings::page, index: usize) -> BorrowedPage<'a> {
    // SAFETY: The block holds page `index` (caller), so its pfn is valid and has a `struct page`.
    let page = unsafe { generated::memlab_page_nth(first, index) };
    // SAFETY: `pfn_to_page` of a valid pfn is never null.
    let page = unsafe { NonNull::new_unchecked(page) };
    // SAFETY: The page is part of a block that stays allocated for `'a` (caller).
    unsafe { BorrowedPage::from_raw(page) }
}

/// A block of `2^order` pages from `alloc_pages`, freed with `__free_pages` on drop.
///
/// # Invariants
///
/// - `page` is the first `struct page` of a block of `2^order` pages that `alloc_pages` returned
///   for `order`, not yet freed, owned exclusively by `self`; `order <= MAX_PAGE_ORDER`.
/// - The block is in the direct map (no `__GFP_HIGHMEM`, no `CONFIG_HIGHMEM`).
/// - If `T` is `u8`, all of its bytes are initialised.
pub(crate) struct Pages<T: Byte = u8> {
    page: NonNull<bindings::page>,
    order: u32,
    _contents: PhantomData<T>,
}

// SAFETY: `Pages` owns its block exclusively; pages may be freed from any thread.
unsafe impl<T: Byte> Send for Pages<T> {}

// SAFETY: Shared access only reads (`&self` gives `&[T]` and borrowed pages).
unsafe impl<T: Byte> Sync for Pages<T> {}

impl<T: Byte> Pages<T> {
    /// The number of pages in the block, `2^order`.
    pub(crate) fn count(&self) -> usize {
        1 << self.order
    }

    /// The size of the block in bytes.
    pub(crate) fn len(&self) -> usize {
        PAGE_SIZE << self.order
    }

    /// The block's first byte in the direct map (`page_address`).
    fn address(&self) -> *mut T {
        // SAFETY: `self.page` is a valid, allocated page in the direct map (type invariants).
        unsafe { generated::memlab_page_address(self.page.as_ptr()) }.cast()
    }

    /// The contents.
    pub(crate) fn as_slice(&self) -> &[T] {
        // SAFETY: The block is `len` bytes at `address()` in the direct map, owned by `self`;
        // `T` is `u8` only when they are initialised (type invariants).
        unsafe { core::slice::from_raw_parts(self.address(), self.len()) }
    }

    /// The contents, writable.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: As in `as_slice`; `&mut self` makes the access exclusive, and writing a `T`
        // keeps the bytes initialised when `T` is `u8`.
        unsafe { core::slice::from_raw_parts_mut(self.address(), self.len()) }
    }

    /// Where the block lives: pfn, physical address, zone.
    pub(crate) fn placement(&self) -> Placement {
        // SAFETY: `self.page` is the first page of a block `self` owns (type invariant).
        unsafe { placement(self.page.as_ptr()) }
    }

    /// The `index`-th page of the block, borrowed, or `None` past the end.
    pub(crate) fn page(&self, index: usize) -> Option<BorrowedPage<'_>> {
        // SAFETY: The block has `count()` pages, allocated as long as `self` is borrowed.
        (index < self.count()).then(|| unsafe { nth_page(self.page.as_ptr(), index) })
    }
}

impl Pages<MaybeUninit<u8>> {
    /// `alloc_pages(gfp, order)`: contents undefined until written.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `order > MAX_PAGE_ORDER`; `ENOMEM` when the allocator fails.
    pub(crate) fn alloc(order: u32, gfp: Gfp) -> Result<Self> {
        check_order(order)?;
        gfp.check_for(Family::Pages)?;
        // SAFETY: Any `Gfp` and an order up to MAX_PAGE_ORDER are valid arguments.
        let page = unsafe { generated::memlab_alloc_pages(gfp.as_raw(), order) };
        let page = NonNull::new(page).ok_or(ENOMEM)?;
        // INVARIANT: `alloc_pages` returned a block of `2^order` pages, now owned by us; they
        // are typed uninitialised.
        Ok(Self {
            page,
            order,
            _contents: PhantomData,
        })
    }

    /// Keeps the bytes the allocator left (earlier users' data) and makes them readable
    /// (see [`byte::freeze`]); the contents are then defined.
    pub(crate) fn freeze(mut self) -> Pages {
        byte::freeze(self.as_mut_slice());
        let this = ManuallyDrop::new(self);
        // INVARIANT: Same block, every byte now initialised (`freeze`); `this` is not dropped,
        // so ownership moves to the new value.
        Pages {
            page: this.page,
            order: this.order,
            _contents: PhantomData,
        }
    }

    /// Sets every byte to `byte`; the contents are then defined.
    pub(crate) fn fill(mut self, byte: u8) -> Pages {
        self.as_mut_slice().fill(MaybeUninit::new(byte));
        self.freeze()
    }
}

impl Pages {
    /// `alloc_pages(gfp | __GFP_ZERO, order)`: zeroed contents.
    ///
    /// # Errors
    ///
    /// As [`Pages::alloc`].
    pub(crate) fn zeroed(order: u32, gfp: Gfp) -> Result<Self> {
        let block = Pages::alloc(order, gfp | Gfp::ZERO)?;
        let block = ManuallyDrop::new(block);
        // INVARIANT: `__GFP_ZERO` made the allocator zero every byte; ownership moves here.
        Ok(Self {
            page: block.page,
            order: block.order,
            _contents: PhantomData,
        })
    }
}

impl<T: Byte> Drop for Pages<T> {
    fn drop(&mut self) {
        // SAFETY: `self.page` starts a block of order `self.order` from `alloc_pages`, owned by
        // `self` (type invariant); it is freed once, here.
        unsafe { bindings::__free_pages(self.page.as_ptr(), self.order) };
    }
}

/// A block of `2^order` pages from `__get_free_pages`, freed with `free_pages` on drop.
///
/// # Invariants
///
/// - `addr` is the direct-map address `__get_free_pages` (or `get_zeroed_page`) returned for a
///   block of `2^order` pages, not yet freed, owned exclusively by `self`;
///   `order <= MAX_PAGE_ORDER`.
/// - If `T` is `u8`, all of its bytes are initialised.
pub(crate) struct FreePages<T: Byte = u8> {
    addr: NonNull<T>,
    order: u32,
}

// SAFETY: As for `Pages`.
unsafe impl<T: Byte> Send for FreePages<T> {}

// SAFETY: As for `Pages`.
unsafe impl<T: Byte> Sync for FreePages<T> {}

impl<T: Byte> FreePages<T> {
    /// Takes ownership of what `__get_free_pages` or `get_zeroed_page` returned.
    ///
    /// # Safety
    ///
    /// `addr` is 0 or was just returned by one of them for `order <= MAX_PAGE_ORDER`, and nothing
    /// else owns it; if `T` is `u8`, the allocator zeroed the block.
    unsafe fn from_raw(addr: kernel::ffi::c_ulong, order: u32) -> Result<Self> {
        // CAST: the allocators return the address as an `unsigned long`.
        let addr = NonNull::new(addr as *mut T).ok_or(ENOMEM)?;
        // INVARIANT: Guaranteed by the caller; `addr` is not null.
        Ok(Self { addr, order })
    }

    /// The size of the block in bytes.
    pub(crate) fn len(&self) -> usize {
        PAGE_SIZE << self.order
    }

    /// The contents.
    pub(crate) fn as_slice(&self) -> &[T] {
        // SAFETY: The block is `len` bytes at `addr`, owned by `self`; `T` is `u8` only when they
        // are initialised (type invariants).
        unsafe { core::slice::from_raw_parts(self.addr.as_ptr(), self.len()) }
    }

    /// The contents, writable.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: As in `as_slice`, with exclusive access through `&mut self`.
        unsafe { core::slice::from_raw_parts_mut(self.addr.as_ptr(), self.len()) }
    }

    /// Where the block lives: pfn, physical address, zone.
    pub(crate) fn placement(&self) -> Placement {
        // SAFETY: `addr` is a direct-map address (type invariant), the domain of `virt_to_page`.
        let page = unsafe { generated::memlab_virt_to_page(self.addr.as_ptr().cast()) };
        // SAFETY: `page` is the first page of the block `self` owns.
        unsafe { placement(page) }
    }
}

impl FreePages<MaybeUninit<u8>> {
    /// `__get_free_pages(gfp, order)`: contents undefined until written.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `order > MAX_PAGE_ORDER`; `ENOMEM` when the allocator fails.
    pub(crate) fn get(order: u32, gfp: Gfp) -> Result<Self> {
        check_order(order)?;
        gfp.check_for(Family::Pages)?;
        // SAFETY: Any `Gfp` and an order up to MAX_PAGE_ORDER are valid arguments.
        let addr = unsafe { bindings::get_free_pages_noprof(gfp.as_raw(), order) };
        // SAFETY: `addr` is the fresh answer for `order`, checked above.
        unsafe { Self::from_raw(addr, order) }
    }

    /// Keeps the bytes the allocator left (earlier users' data) and makes them readable
    /// (see [`byte::freeze`]); the contents are then defined.
    pub(crate) fn freeze(mut self) -> FreePages {
        byte::freeze(self.as_mut_slice());
        let this = ManuallyDrop::new(self);
        // INVARIANT: Same block, every byte now initialised (`freeze`); `this` is not dropped,
        // so ownership moves to the new value.
        FreePages {
            addr: this.addr.cast(),
            order: this.order,
        }
    }
}

impl FreePages {
    /// `get_zeroed_page(gfp)`: one zeroed page.
    ///
    /// # Errors
    ///
    /// `ENOMEM` when the allocator fails.
    pub(crate) fn zeroed_page(gfp: Gfp) -> Result<Self> {
        gfp.check_for(Family::Pages)?;
        // SAFETY: Any `Gfp` is a valid argument.
        let addr = unsafe { bindings::get_zeroed_page_noprof(gfp.as_raw()) };
        // SAFETY: `addr` is the fresh answer for one zeroed page (order 0).
        unsafe { Self::from_raw(addr, 0) }
    }
}

impl<T: Byte> Drop for FreePages<T> {
    fn drop(&mut self) {
        // CAST: `free_pages` takes the address as an `unsigned long`.
        let addr = self.addr.as_ptr() as kernel::ffi::c_ulong;
        // SAFETY: `addr` and `order` describe a block from `__get_free_pages` owned by `self`
        // (type invariant); it is freed once, here.
        unsafe { bindings::free_pages(addr, self.order) };
    }
}

#[kunit_tests(memlab_pages)]
mod tests {
    use super::*;
    use crate::mm::{
        fault,
        testing, //
    };

    #[test]
    fn every_order_is_physically_contiguous() -> Result {
        for order in [0, 1, 3, MAX_ORDER] {
            let block = Pages::alloc(order, Gfp::KERNEL | Gfp::NOWARN)?;
            let first = block.placement();
            assert_eq!(block.count(), 1 << order);
            for index in 0..block.count() {
                let page = block.page(index).ok_or(EINVAL)?;
                // CAST: `index < 1024`.
                // SAFETY: `page` is borrowed from `block`, alive for the whole loop body.
                let pfn = unsafe { placement(page.as_ptr()) }.pfn;
                assert_eq!(pfn, first.pfn + index as u64);
            }
            assert!(block.page(block.count()).is_none());
            assert_eq!(first.phys % (block.len() as u64), 0);
        }
        assert_eq!(Pages::alloc(MAX_ORDER + 1, Gfp::KERNEL).err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn zeroed_blocks_are_zero() -> Result {
        assert!(FreePages::zeroed_page(Gfp::KERNEL)?
            .as_slice()
            .iter()
            .all(|&b| b == 0));
        assert!(Pages::zeroed(2, Gfp::KERNEL)?
            .as_slice()
            .iter()
            .all(|&b| b == 0));
        let mut block = FreePages::get(1, Gfp::KERNEL)?;
        block.as_mut_slice().fill(MaybeUninit::new(0xa5));
        assert_eq!(block.len(), 2 * PAGE_SIZE);
        let block = Pages::alloc(1, Gfp::KERNEL)?.fill(0x5a);
        assert!(block.as_slice().iter().all(|&b| b == 0x5a));
        Ok(())
    }

    #[test]
    fn zone_modifiers_are_honoured() -> Result {
        // Without ZONE_DMA (arm's `virt`), GFP_DMA is no modifier at all.
        if let Some(dma_zone_end) = crate::shim::facts().dma_zone_end {
            let dma = Pages::alloc(0, Gfp::KERNEL | Gfp::DMA)?.placement();
            assert_eq!(dma.zone, "DMA");
            assert!(dma.phys < dma_zone_end);
            let dma = FreePages::get(0, Gfp::KERNEL | Gfp::DMA)?.placement();
            assert!(dma.phys < dma_zone_end);
        }
        if !testing::ram_above_4g() {
            testing::skip(c"GFP_DMA32 needs RAM above 4 GiB to prove anything");
            return Ok(());
        }
        for _ in 0..8 {
            let dma32 = Pages::alloc(3, Gfp::KERNEL | Gfp::DMA32)?.placement();
            assert!(dma32.phys < 4 << 30);
            assert!(dma32.zone == "DMA32" || dma32.zone == "DMA");
        }
        Ok(())
    }

    #[test]
    fn injected_failures_are_enomem() -> Result {
        let Some(result) = testing::fail_nth(1, || Pages::alloc(0, Gfp::KERNEL | Gfp::NOWARN))
        else {
            return Ok(());
        };
        assert_eq!(result.err(), Some(ENOMEM));
        let (result, injected) =
            fault::run_failing(1, || FreePages::get(2, Gfp::KERNEL | Gfp::NOWARN)).ok_or(EINVAL)?;
        assert!(injected);
        assert_eq!(result.err(), Some(ENOMEM));
        Ok(())
    }
}
