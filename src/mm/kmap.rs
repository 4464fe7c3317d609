// SPDX-License-Identifier: GPL-2.0

//! Temporary kernel mappings of a page: `kmap`/`kunmap` and `kmap_local_page`/`kunmap_local`.
//!
//! Both are scoped here: [`with_kmap`] and [`with_kmap_local`] map one page of a [`Pages`] block,
//! lend the mapping to a closure as `&mut [u8]` of `PAGE_SIZE` bytes, and unmap when the closure
//! returns. The mapping can therefore neither outlive the page (the block is borrowed mutably for
//! the whole scope) nor escape the closure, and nested `kmap_local` mappings are released in
//! exactly the reverse order of their creation (the LIFO rule of
//! [`highmem.rst`](srctree/Documentation/mm/highmem.rst)) because closures nest.
//!
//! `kmap` (not `kmap_local`) mappings are global and may live long: [`Kmap`] is the owned form,
//! for a mapping kept across calls. It takes the block (any [`PageBlock`]: [`Pages`], or
//! [`crate::mm::high_pages::HighPages`], whose pages really get mapped on a HIGHMEM kernel), so
//! the page cannot be freed while mapped, and gives it back, still valid, when unmapped
//! ([`Kmap::into_pages`]).
//!
//! The scoped functions take [`Pages`], which are always in the direct map (lowmem), so both
//! return `page_address(page)` and the unmaps do nothing, on every architecture (x86_64 has no
//! HIGHMEM at all; `DEBUG_KMAP_LOCAL_FORCE_MAP` changes nothing there, since without HIGHMEM
//! `kmap_local_page` is `page_address` in `include/linux/highmem-internal.h`). memlab still makes
//! the real calls. `kmap` may sleep and is deprecated in favour of `kmap_local_page`, which never
//! sleeps (it disables migration, not preemption).

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

/// Which page of `pages` to map, checked.
fn page_of(pages: &impl PageBlock, index: usize) -> Result<*mut kernel::bindings::page> {
    let page = pages.page(index).ok_or(EINVAL)?;
    Ok(page.as_ptr())
}

/// Runs `f` on the `PAGE_SIZE` bytes of the page mapped at `addr`.
///
/// # Safety
///
/// `addr` maps a page of initialised bytes (`Pages<u8>`) that stays mapped, and that nothing else
/// accesses, until this returns.
unsafe fn on_mapped_page<R>(addr: *mut kernel::ffi::c_void, f: impl FnOnce(&mut [u8]) -> R) -> R {
    // SAFETY: Guaranteed by the caller.
    f(unsafe { core::slice::from_raw_parts_mut(addr.cast::<u8>(), PAGE_SIZE) })
}

/// Maps page `index` of `pages` with `kmap`, runs `f` on its `PAGE_SIZE` bytes, then `kunmap`s.
/// May sleep.
///
/// # Errors
///
/// `EINVAL` if `pages` has no page `index`.
pub(crate) fn with_kmap<R>(
    pages: &mut Pages,
    index: usize,
    f: impl FnOnce(&mut [u8]) -> R,
) -> Result<R> {
    let page = page_of(pages, index)?;
    kernel::task::might_sleep();
    // SAFETY: `page` is a valid `struct page` of the block `pages` owns, which stays allocated
    // and exclusively borrowed until after the `kunmap` below, so the mapping cannot outlive it.
    let addr = unsafe { generated::memlab_kmap(page) };
    // SAFETY: `kmap` returned the address of the whole page, mapped until `kunmap` below; its
    // bytes are initialised (`Pages<u8>`) and nothing else reaches them while `pages` is
    // borrowed mutably.
    let result = unsafe { on_mapped_page(addr, f) };
    // SAFETY: `page` was mapped by the `kmap` above, and the bytes were lent to `f` only.
    unsafe { generated::memlab_kunmap(page) };
    Ok(result)
}

/// Maps page `index` of `pages` with `kmap_local_page`, runs `f` on its `PAGE_SIZE` bytes, then
/// `kunmap_local`s. Never sleeps; `f` runs with migration disabled.
///
/// # Errors
///
/// `EINVAL` if `pages` has no page `index`.
pub(crate) fn with_kmap_local<R>(
    pages: &mut Pages,
    index: usize,
    f: impl FnOnce(&mut [u8]) -> R,
) -> Result<R> {
    let page = page_of(pages, index)?;
    // SAFETY: As in `with_kmap`, without the sleeping requirement.
    let addr = unsafe { generated::memlab_kmap_local_page(page) };
    // SAFETY: As in `with_kmap`: the page is mapped at `addr` until `kunmap_local` below.
    let result = unsafe { on_mapped_page(addr, f) };
    // SAFETY: `addr` is the most recent `kmap_local_page` mapping of this task still alive: any
    // mapping `f` made in between was scoped inside `f` and has been unmapped already.
    unsafe { generated::memlab_kunmap_local(addr) };
    Ok(result)
}

/// A `kmap` of page `index` of a block it owns, kept until dropped.
///
/// # Invariants
///
/// `page` is page `index` of `pages`, and `addr` is what `kmap` returned for it, not yet
/// unmapped; `pages` is owned by `self` and not freed while mapped; its bytes are initialised
/// (`B: PageBlock`).
///
/// # Context
///
/// [`Kmap::new`], [`Kmap::into_pages`] and the drop call `kmap`/`kunmap`, which may sleep: use
/// them in process context. Each calls `might_sleep()` first, so `CONFIG_DEBUG_ATOMIC_SLEEP`
/// reports a misuse every time.
pub(crate) struct Kmap<B: PageBlock = Pages> {
    pages: B,
    index: usize,
    page: NonNull<bindings::page>,
    addr: NonNull<u8>,
}

// SAFETY: `kmap` mappings are global (not tied to a CPU or task): the page may be read, written
// and unmapped from any thread; `Kmap` owns the block and the mapping exclusively, and the block
// goes with it.
unsafe impl<B: PageBlock + Send> Send for Kmap<B> {}

// SAFETY: Shared access only reads the mapping and gives `&B`.
unsafe impl<B: PageBlock + Sync> Sync for Kmap<B> {}

impl<B: PageBlock> Kmap<B> {
    /// Maps page `index` of `pages` with `kmap`, keeping the block. May sleep.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `pages` has no page `index`; the block comes back with the error.
    pub(crate) fn new(pages: B, index: usize) -> Result<Self, (Error, B)> {
        let page = match page_of(&pages, index).map(NonNull::new) {
            Ok(Some(page)) => page,
            Ok(None) => return Err((EINVAL, pages)),
            Err(err) => return Err((err, pages)),
        };
        kernel::task::might_sleep();
        // SAFETY: `page` is a valid `struct page` of the block `pages`, which moves into the
        // result and stays allocated until the mapping is gone (`unmap`).
        let addr = unsafe { generated::memlab_kmap(page.as_ptr()) };
        let Some(addr) = NonNull::new(addr.cast::<u8>()) else {
            return Err((ENOMEM, pages));
        };
        // INVARIANT: `kmap` mapped page `index` of `pages` at `addr`; `pages` moves in.
        Ok(Self {
            pages,
            index,
            page,
            addr,
        })
    }

    /// The mapping's address.
    pub(crate) fn addr(&self) -> usize {
        // CAST: pointer to address.
        self.addr.as_ptr() as usize
    }

    /// Which page of the block is mapped.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// The mapped page's bytes, through the mapping.
    pub(crate) fn as_slice(&self) -> &[u8] {
        // SAFETY: `addr` maps one page of initialised bytes for as long as `self` lives (type
        // invariants); shared access only reads.
        unsafe { core::slice::from_raw_parts(self.addr.as_ptr(), PAGE_SIZE) }
    }

    /// The mapped page's bytes through the mapping, writable.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: As in `as_slice`; `&mut self` excludes every other view of the block.
        unsafe { core::slice::from_raw_parts_mut(self.addr.as_ptr(), PAGE_SIZE) }
    }

    /// The whole block (for what `&self` of a block gives: placement, direct-map reads).
    pub(crate) fn block(&self) -> &B {
        &self.pages
    }

    /// Runs `f` on the whole block's bytes, reached the block's own way (see
    /// [`PageBlock::with_bytes`]). The block itself stays out of reach while mapped: a `&mut B`
    /// would let a caller swap it out and free it.
    ///
    /// # Errors
    ///
    /// `ENOMEM` if the block's own way needs a mapping and none can be made.
    pub(crate) fn with_block_bytes<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> Result<R> {
        self.pages.with_bytes(f)
    }

    /// Runs `f` on page `index` of the block, mapped for the call with `kmap_local_page` (see
    /// [`PageBlock::with_local`]); the block never leaves the mapping.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the block has no page `index`.
    pub(crate) fn with_local<R>(
        &mut self,
        index: usize,
        f: impl FnOnce(&mut LocalPage<'_>) -> R,
    ) -> Result<R> {
        self.pages.with_local(index, f)
    }

    /// Unmaps and gives the block back, still owned and valid.
    pub(crate) fn into_pages(self) -> B {
        let mut this = core::mem::ManuallyDrop::new(self);
        this.unmap();
        // SAFETY: `this` is never used or dropped again, so `pages` is moved out exactly once.
        unsafe { core::ptr::read(&this.pages) }
    }

    fn unmap(&mut self) {
        // See "Context" on the type.
        kernel::task::might_sleep();
        // SAFETY: `page` was mapped by `kmap` in `new` and not unmapped since (type invariant);
        // callers unmap once, right before the value is gone.
        unsafe { generated::memlab_kunmap(self.page.as_ptr()) };
    }
}

impl<B: PageBlock> Drop for Kmap<B> {
    fn drop(&mut self) {
        // The mapping goes first; the block is freed afterwards, when `pages` is dropped.
        self.unmap();
    }
}

#[kunit_tests(memlab_kmap)]
mod tests {
    use super::*;
    use crate::mm::gfp::Gfp;

    fn direct_map_address(pages: &Pages, index: usize) -> usize {
        // CAST: pointer to address.
        pages.as_slice()[index * PAGE_SIZE..].as_ptr() as usize
    }

    #[test]
    fn kmap_is_page_address_and_round_trips() -> Result {
        let mut pages = Pages::zeroed(1, Gfp::KERNEL)?;
        let expected = direct_map_address(&pages, 1);
        let mapped = with_kmap(&mut pages, 1, |bytes| {
            bytes[7] = 0x42;
            // CAST: pointer to address.
            bytes.as_ptr() as usize
        })?;
        assert_eq!(mapped, expected);
        assert_eq!(pages.as_slice()[PAGE_SIZE + 7], 0x42);
        assert_eq!(with_kmap(&mut pages, 2, |_| ()).err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn a_kept_kmap_round_trips_and_gives_the_block_back() -> Result {
        let pages = Pages::zeroed(1, Gfp::KERNEL)?;
        let expected = direct_map_address(&pages, 1);
        let mut map = Kmap::new(pages, 1).map_err(|(err, _)| err)?;
        assert_eq!((map.addr(), map.index()), (expected, 1));
        map.as_mut_slice()[9] = 0x99;
        assert_eq!(map.block().as_slice()[PAGE_SIZE + 9], 0x99);
        map.with_block_bytes(|bytes| bytes[PAGE_SIZE + 10] = 0x77)?;
        assert_eq!(map.as_slice()[10], 0x77);
        // Page 0 is not mapped: untouched.
        assert!(map.block().as_slice()[..PAGE_SIZE].iter().all(|&b| b == 0));
        let pages = map.into_pages();
        assert_eq!(
            pages.as_slice()[PAGE_SIZE + 9..PAGE_SIZE + 11],
            [0x99, 0x77]
        );
        Ok(())
    }

    #[test]
    fn a_kmap_of_a_missing_page_gives_the_block_back() -> Result {
        let mut pages = Pages::zeroed(0, Gfp::KERNEL)?;
        pages.as_mut_slice()[0] = 0x42;
        let (err, pages) = Kmap::new(pages, 1).err().ok_or(EINVAL)?;
        assert_eq!(err, EINVAL);
        assert_eq!(pages.as_slice()[0], 0x42);
        Ok(())
    }

    #[test]
    fn kmap_local_nests_and_round_trips() -> Result {
        let mut outer = Pages::zeroed(0, Gfp::KERNEL)?;
        let mut inner = Pages::zeroed(0, Gfp::KERNEL)?;
        let expected = (direct_map_address(&outer, 0), direct_map_address(&inner, 0));
        let mapped = with_kmap_local(&mut outer, 0, |outer_bytes| {
            outer_bytes[0] = 1;
            let inner_mapped = with_kmap_local(&mut inner, 0, |inner_bytes| {
                inner_bytes[PAGE_SIZE - 1] = 2;
                // CAST: pointer to address.
                inner_bytes.as_ptr() as usize
            });
            // CAST: pointer to address.
            (outer_bytes.as_ptr() as usize, inner_mapped)
        })?;
        // A direct-mapped page is mapped where it always is (on every kernel memlab builds for:
        // only 32-bit x86 with HIGHMEM and DEBUG_KMAP_LOCAL_FORCE_MAP would map it elsewhere).
        assert_eq!((mapped.0, mapped.1?), expected);
        // Written through the mappings, read back through the direct map.
        assert_eq!(outer.as_slice()[0], 1);
        assert_eq!(inner.as_slice()[PAGE_SIZE - 1], 2);
        Ok(())
    }

    #[test]
    fn kmap_local_works_in_atomic_context() -> Result {
        let mut pages = Pages::zeroed(0, Gfp::KERNEL)?;
        let lock = KBox::pin_init(kernel::new_spinlock!(()), GFP_KERNEL)?;
        // Atomic context: kmap_local_page must not sleep here (DEBUG_ATOMIC_SLEEP would say).
        let guard = lock.lock();
        let sum = with_kmap_local(&mut pages, 0, |bytes| {
            bytes.fill(3);
            bytes.iter().map(|&b| usize::from(b)).sum::<usize>()
        })?;
        drop(guard);
        assert_eq!(sum, 3 * PAGE_SIZE);
        Ok(())
    }
}
