// SPDX-License-Identifier: GPL-2.0

//! What [`crate::mm::vmap::Vmap`] and [`crate::mm::kmap::Kmap`] map: a block of pages they can
//! hold, whatever its pages' kernel addresses.
//!
//! Two blocks implement it: [`Pages`], in the direct map, and [`HighPages`], which may lie in
//! ZONE_HIGHMEM with no kernel address at all. A mapping takes the block (or a `&mut` of it)
//! for as long as it maps it, so the pages cannot be freed under the mapping; the trait only
//! tells it which `struct page`s to map, and how to reach the block's own bytes meanwhile
//! ([`PageBlock::with_bytes`]: the direct map for `Pages`, a vmap of its own for `HighPages`),
//! and maps one page at a time for the thread ([`PageBlock::with_local`]). [`Block`] is either
//! kind, for a mapping over blocks of both (the lab's `vmap` of `pages` and `highpages`).

use kernel::{
    page::BorrowedPage,
    prelude::*, //
};

use crate::mm::{
    high_pages::{
        self,
        HighPages,
        LocalPage, //
    },
    pages::{
        Pages,
        Placement, //
    },
};

/// A block of pages that a mapping may take and map.
///
/// # Safety
///
/// Implementers guarantee that, for as long as the value exists and is not dropped:
/// - [`PageBlock::page`] returns, for every `index < count()`, the same `struct page`, part of
///   memory the value owns (or borrows mutably) that stays allocated;
/// - every byte of those pages is initialised, and stays so whatever the value's methods write;
/// - moving the value does not move, free or remap its pages.
///
/// A mapping made from these pages may therefore be read and written for as long as it holds
/// the value.
pub(crate) unsafe trait PageBlock {
    /// The number of pages.
    fn count(&self) -> usize;

    /// Page `index`, or `None` past the end.
    fn page(&self, index: usize) -> Option<BorrowedPage<'_>>;

    /// Where the block lives: pfn, physical address, zone.
    fn placement(&self) -> Placement;

    /// Runs `f` on every byte of the block, reached the block's own way: for direct-mapped
    /// pages their direct-map address, for highmem pages a mapping made for the call.
    ///
    /// # Errors
    ///
    /// `ENOMEM` if such a mapping cannot be made (the block is untouched then).
    fn with_bytes<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> Result<R>;

    /// Maps page `index` with `kmap_local_page`, runs `f` on it, then `kunmap_local`s (see
    /// [`LocalPage`]: a handle that copies bytes in and out and cannot leave the thread). On a
    /// highmem page this is a real mapping in a CPU-local fixmap slot; on a direct-mapped one,
    /// the page's own address.
    ///
    /// # Errors
    ///
    /// `EINVAL` past the end.
    fn with_local<R>(
        &mut self,
        index: usize,
        f: impl FnOnce(&mut LocalPage<'_>) -> R,
    ) -> Result<R> {
        let page = self.page(index).ok_or(EINVAL)?.as_ptr();
        // SAFETY: `page` is a page of the block (trait guarantees: allocated, initialised),
        // borrowed mutably for the whole call, so nothing else reaches it meanwhile.
        unsafe { high_pages::with_local_page(page, f) }
    }
}

// SAFETY: `Pages` owns its block of `count()` initialised pages (its invariants), allocated until
// it is dropped; its `page(index)` is the block's `index`-th page.
unsafe impl PageBlock for Pages {
    fn count(&self) -> usize {
        Pages::count(self)
    }

    fn page(&self, index: usize) -> Option<BorrowedPage<'_>> {
        Pages::page(self, index)
    }

    fn placement(&self) -> Placement {
        Pages::placement(self)
    }

    fn with_bytes<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> Result<R> {
        Ok(f(self.as_mut_slice()))
    }
}

// SAFETY: `HighPages` owns its zeroed block of `count()` pages (its invariants), allocated until
// it is dropped, and writes only whole bytes; `page(index)` is the block's `index`-th page.
unsafe impl PageBlock for HighPages {
    fn count(&self) -> usize {
        HighPages::count(self)
    }

    fn page(&self, index: usize) -> Option<BorrowedPage<'_>> {
        HighPages::page(self, index)
    }

    fn placement(&self) -> Placement {
        HighPages::placement(self)
    }

    fn with_bytes<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> Result<R> {
        self.with_vmap(f)
    }
}

// SAFETY: A mutable borrow of a block keeps it alive and in place for as long as the borrow
// lives, and every call goes to the block itself, whose guarantees hold (`B: PageBlock`).
unsafe impl<B: PageBlock> PageBlock for &mut B {
    fn count(&self) -> usize {
        (**self).count()
    }

    fn page(&self, index: usize) -> Option<BorrowedPage<'_>> {
        (**self).page(index)
    }

    fn placement(&self) -> Placement {
        (**self).placement()
    }

    fn with_bytes<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> Result<R> {
        (**self).with_bytes(f)
    }
}

/// A direct-mapped or a highmem block, for a mapping that takes either.
pub(crate) enum Block {
    /// In the direct map.
    Direct(Pages),
    /// Maybe in ZONE_HIGHMEM, with no kernel address.
    High(HighPages),
}

// SAFETY: Each variant is a `PageBlock`, and every call goes to it.
unsafe impl PageBlock for Block {
    fn count(&self) -> usize {
        match self {
            Self::Direct(pages) => PageBlock::count(pages),
            Self::High(pages) => PageBlock::count(pages),
        }
    }

    fn page(&self, index: usize) -> Option<BorrowedPage<'_>> {
        match self {
            Self::Direct(pages) => PageBlock::page(pages, index),
            Self::High(pages) => PageBlock::page(pages, index),
        }
    }

    fn placement(&self) -> Placement {
        match self {
            Self::Direct(pages) => PageBlock::placement(pages),
            Self::High(pages) => PageBlock::placement(pages),
        }
    }

    fn with_bytes<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> Result<R> {
        match self {
            Self::Direct(pages) => pages.with_bytes(f),
            Self::High(pages) => pages.with_bytes(f),
        }
    }
}
