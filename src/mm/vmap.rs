// SPDX-License-Identifier: GPL-2.0

//! `vmap`/`vunmap`: one virtually contiguous mapping over pages that need not be contiguous.
//!
//! [`Vmap`] takes ownership of the page blocks it maps (any [`PageBlock`]: direct-mapped
//! [`Pages`], [`crate::mm::high_pages::HighPages`] that may have no kernel address, or a `&mut`
//! of either for a mapping scoped to a borrow), so the mapping cannot outlive them: the pages
//! are unmapped (`vunmap`) before they can be freed, either when the `Vmap` is dropped (then
//! they are freed too) or by [`Vmap::into_pages`], which unmaps and hands the still-owned,
//! still-valid blocks back. While mapped, the bytes are written through the mapping (`&mut
//! self`) and each block's bytes can be reached its own way ([`Vmap::with_block_bytes`]): Rust's
//! borrow rules keep the views from racing.
//!
//! This is how a block of highmem pages gets one contiguous view: `vmap` maps each page where
//! it is, whether or not the direct map covers it.
//!
//! `vmap` takes `PAGE_KERNEL`, a run-time value on x86, so the call is made from the C shim.
//! It may sleep. The `kernel` crate has no peer.

use core::ptr::NonNull;

use kernel::{
    bindings,
    page::PAGE_SIZE,
    prelude::*, //
};

use crate::{
    mm::{
        high_pages::LocalPage,
        page_block::PageBlock,
        pages::Pages, //
    },
    shim::generated, //
};

/// A mapping of every page of `blocks`, in order, at one virtual address.
///
/// # Context
///
/// Dropping (or [`Vmap::into_pages`]) calls `vunmap`, which is a `BUG_ON` in interrupt context
/// and may sleep: drop it in process context. Both call `might_sleep()` first, so
/// `CONFIG_DEBUG_ATOMIC_SLEEP` reports a misuse every time.
///
/// # Invariants
///
/// - `addr` is what `vmap` returned for the `count` pages of `blocks` (in order), and has not been
///   unmapped; `count >= 1` is the total number of pages in `blocks`.
/// - `blocks` is owned by `self` and its pages are not freed while mapped; their bytes are
///   initialised (`B: PageBlock`).
pub(crate) struct Vmap<B: PageBlock = Pages> {
    addr: NonNull<u8>,
    count: usize,
    blocks: KVec<B>,
}

// SAFETY: `Vmap` owns its blocks and mapping exclusively; the mapping is global (valid on every
// CPU) and vunmap may run on any thread (in the context the type's docs require). The blocks go
// with it, so they must be `Send` themselves.
unsafe impl<B: PageBlock + Send> Send for Vmap<B> {}

// SAFETY: Shared access only reads the mapping and gives `&B`.
unsafe impl<B: PageBlock + Sync> Sync for Vmap<B> {}

impl<B: PageBlock> Vmap<B> {
    /// Maps every page of `blocks`, in order, into one virtual range. May sleep.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `blocks` is empty; `ENOMEM` if the page list or the mapping cannot be
    /// allocated (the pages are then freed with `blocks`; [`Vmap::try_new`] gives them back).
    pub(crate) fn new(blocks: KVec<B>) -> Result<Self> {
        Self::try_new(blocks).map_err(|(err, _blocks)| err)
    }

    /// As [`Vmap::new`], but a failure hands `blocks` back, untouched, with the error: for callers
    /// that lend pages they must not lose.
    ///
    /// # Errors
    ///
    /// As [`Vmap::new`].
    pub(crate) fn try_new(blocks: KVec<B>) -> Result<Self, (Error, KVec<B>)> {
        kernel::task::might_sleep();
        let count: usize = blocks.iter().map(PageBlock::count).sum();
        let mut list = match Self::page_list(&blocks, count) {
            Ok(list) => list,
            Err(err) => return Err((err, blocks)),
        };
        let Ok(count_u32) = u32::try_from(count) else {
            return Err((EINVAL, blocks));
        };
        // SAFETY: `list` holds `count_u32` valid `struct page` pointers of blocks `blocks` owns,
        // which move into the result and stay allocated while mapped; vmap reads the list only
        // during the call (no VM_MAP_PUT_PAGES) and `list` outlives it.
        let addr = unsafe { generated::memlab_vmap(list.as_mut_ptr(), count_u32) };
        let Some(addr) = NonNull::new(addr.cast::<u8>()) else {
            return Err((ENOMEM, blocks));
        };
        // INVARIANT: `vmap` mapped the `count` pages of `blocks` at `addr`; `blocks` moves in.
        Ok(Self {
            addr,
            count,
            blocks,
        })
    }

    /// The `struct page` pointers of the `count` pages of `blocks`, in order.
    fn page_list(blocks: &[B], count: usize) -> Result<KVec<*mut bindings::page>> {
        if count == 0 {
            return Err(EINVAL);
        }
        let mut list = KVec::with_capacity(count, GFP_KERNEL)?;
        for block in blocks {
            for index in 0..block.count() {
                let page = block.page(index).ok_or(EINVAL)?;
                list.push(page.as_ptr(), GFP_KERNEL)?;
            }
        }
        Ok(list)
    }

    /// The size of the mapping in bytes.
    pub(crate) fn len(&self) -> usize {
        self.count * PAGE_SIZE
    }

    /// The mapping's virtual address.
    pub(crate) fn addr(&self) -> usize {
        // CAST: pointer to address.
        self.addr.as_ptr() as usize
    }

    /// The mapped blocks (for what `&self` of a block gives: placement, direct-map reads).
    pub(crate) fn blocks(&self) -> &[B] {
        &self.blocks
    }

    /// Runs `f` on the bytes of block `index`, reached the block's own way (not through this
    /// mapping; see [`PageBlock::with_bytes`]). The blocks themselves stay out of reach while
    /// mapped: a `&mut B` would let a caller swap one out and free it.
    ///
    /// # Errors
    ///
    /// `EINVAL` if there is no such block; `ENOMEM` if the block's own way needs a mapping and
    /// none can be made.
    pub(crate) fn with_block_bytes<R>(
        &mut self,
        index: usize,
        f: impl FnOnce(&mut [u8]) -> R,
    ) -> Result<R> {
        self.blocks.get_mut(index).ok_or(EINVAL)?.with_bytes(f)
    }

    /// Runs `f` on page `index` of block `block`, mapped for the call with `kmap_local_page`
    /// (see [`PageBlock::with_local`]); the block never leaves the mapping.
    ///
    /// # Errors
    ///
    /// `EINVAL` if there is no such block or page.
    pub(crate) fn with_local<R>(
        &mut self,
        block: usize,
        index: usize,
        f: impl FnOnce(&mut LocalPage<'_>) -> R,
    ) -> Result<R> {
        self.blocks
            .get_mut(block)
            .ok_or(EINVAL)?
            .with_local(index, f)
    }

    /// The bytes, through the mapping.
    pub(crate) fn as_slice(&self) -> &[u8] {
        // SAFETY: `addr` maps `len()` initialised bytes (`B: PageBlock`) for as long as `self`
        // lives (type invariants).
        unsafe { core::slice::from_raw_parts(self.addr.as_ptr(), self.len()) }
    }

    /// The bytes through the mapping, writable.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: As in `as_slice`; `&mut self` excludes every other view of these pages.
        unsafe { core::slice::from_raw_parts_mut(self.addr.as_ptr(), self.len()) }
    }

    /// Unmaps and gives the blocks back, still owned and valid.
    pub(crate) fn into_pages(self) -> KVec<B> {
        let mut this = core::mem::ManuallyDrop::new(self);
        this.unmap();
        // SAFETY: `this` is never used or dropped again, so `blocks` is moved out exactly once.
        unsafe { core::ptr::read(&this.blocks) }
    }

    fn unmap(&mut self) {
        // See "Context" on the type.
        kernel::task::might_sleep();
        // SAFETY: `addr` is a live `vmap` mapping (type invariant); callers unmap it once, right
        // before the value is gone.
        unsafe { generated::memlab_vunmap(self.addr.as_ptr().cast()) };
    }
}

impl<B: PageBlock> Drop for Vmap<B> {
    fn drop(&mut self) {
        // The mapping goes first; the pages are freed afterwards, when `blocks` is dropped.
        self.unmap();
    }
}

#[kunit_tests(memlab_vmap)]
mod tests {
    use super::*;
    use crate::mm::{
        gfp::Gfp,
        high_pages::HighPages,
        testing, //
    };

    fn scattered_blocks() -> Result<KVec<Pages>> {
        let mut blocks = KVec::new();
        // Interleave with pages kept apart, so the mapped pages are unlikely to be adjacent.
        let mut spacers = KVec::new();
        for order in [0, 1, 0] {
            blocks.push(Pages::zeroed(order, Gfp::KERNEL)?, GFP_KERNEL)?;
            spacers.push(Pages::zeroed(0, Gfp::KERNEL)?, GFP_KERNEL)?;
        }
        Ok(blocks)
    }

    #[test]
    fn writes_through_the_mapping_reach_the_pages() -> Result {
        let mut map = Vmap::new(scattered_blocks()?)?;
        assert_eq!(map.len(), 4 * PAGE_SIZE);
        // SAFETY: `is_vmalloc_addr` only compares an address with the vmalloc area's bounds.
        assert!(unsafe { bindings::is_vmalloc_addr(map.addr() as *const _) });
        for page in 0..4 {
            // CAST: `page < 4`.
            map.as_mut_slice()[page * PAGE_SIZE + 10] = 0xa0 + page as u8;
        }
        // Byte 10 of every page, read through each page's direct-map address.
        let check = |blocks: &[Pages]| {
            blocks
                .iter()
                .flat_map(|block| block.as_slice().chunks(PAGE_SIZE).map(|page| page[10]))
                .eq([0xa0, 0xa1, 0xa2, 0xa3])
        };
        assert!(check(map.blocks()));
        let blocks = map.into_pages();
        assert!(check(&blocks));
        Ok(())
    }

    #[test]
    fn writes_to_the_pages_show_through_the_mapping() -> Result {
        let mut blocks = scattered_blocks()?;
        for (i, block) in blocks.iter_mut().enumerate() {
            let last = block.len() - 1;
            // CAST: `i < 3`.
            block.as_mut_slice()[last] = 0x10 + i as u8;
        }
        let map = Vmap::new(blocks)?;
        let bytes = map.as_slice();
        assert_eq!(bytes[PAGE_SIZE - 1], 0x10);
        assert_eq!(bytes[3 * PAGE_SIZE - 1], 0x11);
        assert_eq!(bytes[4 * PAGE_SIZE - 1], 0x12);
        Ok(())
    }

    #[test]
    fn highmem_blocks_get_one_view_that_every_mapping_agrees_with() -> Result {
        let mut blocks = KVec::new();
        for order in [1, 0] {
            blocks.push(HighPages::zeroed(order, Gfp::KERNEL)?, GFP_KERNEL)?;
        }
        // Before the view: through kmap_local (page 1 of block 0) and kmap (block 1).
        blocks[0].with_local(1, |page| page.write(0, b"local"))??;
        blocks[1].kmap(0)?.as_mut_slice().fill(0x33);
        let mut map = Vmap::new(blocks)?;
        assert_eq!(map.len(), 3 * PAGE_SIZE);
        for block in map.blocks() {
            // A HIGHMEM kernel gave highmem pages, which the direct map does not cover.
            assert_eq!(block.is_highmem(0)?, cfg!(CONFIG_HIGHMEM));
        }
        // One contiguous view: its pages 1 and 2 are the two pages written above.
        assert_eq!(&map.as_slice()[PAGE_SIZE..PAGE_SIZE + 5], b"local");
        assert!(map.as_slice()[2 * PAGE_SIZE..].iter().all(|&b| b == 0x33));
        // Through the view, read back through kmap_local while it is mapped ...
        map.as_mut_slice()[2 * PAGE_SIZE - 1] = 0x77;
        let mut byte = [0u8];
        map.with_local(0, 1, |page| page.read(PAGE_SIZE - 1, &mut byte))??;
        assert_eq!(byte[0], 0x77);
        assert_eq!(map.with_local(1, 1, |_| ()).err(), Some(EINVAL));
        // ... through a second vmap of block 1 (its own way in) ...
        map.with_block_bytes(1, |bytes| bytes[8] = 0x88)?;
        assert_eq!(map.as_slice()[2 * PAGE_SIZE + 8], 0x88);
        // ... and through kmap once unmapped.
        let mut blocks = map.into_pages();
        assert_eq!(blocks[0].kmap(1)?.as_slice()[PAGE_SIZE - 1], 0x77);
        assert_eq!(blocks[1].kmap(0)?.as_slice()[8], 0x88);
        Ok(())
    }

    #[test]
    fn nothing_to_map_is_an_error() {
        assert_eq!(Vmap::<Pages>::new(KVec::new()).err(), Some(EINVAL));
    }

    #[test]
    fn a_failed_mapping_gives_the_pages_back() -> Result {
        let blocks = scattered_blocks()?;
        let first = blocks[0].as_slice().as_ptr();
        // The page list's allocation is the first decision point of `try_new`.
        let Some(result) = testing::fail_nth(1, || Vmap::try_new(blocks)) else {
            return Ok(());
        };
        let (err, blocks) = result.err().ok_or(EINVAL)?;
        assert_eq!(err, ENOMEM);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].as_slice().as_ptr(), first);
        // The same blocks map now, and the direct map and the mapping see each other's writes.
        let mut map = Vmap::try_new(blocks).map_err(|(err, _)| err)?;
        map.with_block_bytes(2, |bytes| bytes[5] = 0x5e)?;
        assert_eq!(map.as_slice()[3 * PAGE_SIZE + 5], 0x5e);
        assert_eq!(map.with_block_bytes(3, |_| ()).err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn injected_failures_are_enomem() -> Result {
        // Fail each decision point of one vmap in turn; each failure must be ENOMEM, and the
        // pages (freed with the blocks) and mapping bookkeeping must not leak.
        let Some(walk) = testing::fail_each_point(64, scattered_blocks, Vmap::new)? else {
            return Ok(());
        };
        assert!(walk.errors >= 1);
        assert!(walk.completed);
        Ok(())
    }
}
