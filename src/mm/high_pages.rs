// SPDX-License-Identifier: GPL-2.0

//! Pages that may have no kernel address: `alloc_pages(gfp | __GFP_HIGHMEM | __GFP_ZERO, order)`.
//!
//! On a 32-bit kernel with `CONFIG_HIGHMEM`, most of RAM (ZONE_HIGHMEM) lies outside the
//! kernel's direct map: a highmem page has no `page_address` (it is NULL), and its bytes are
//! reachable only through a temporary mapping
//! ([`highmem.rst`](srctree/Documentation/mm/highmem.rst)):
//!
//! - `kmap_local_page`: a CPU-local fixmap slot, valid only in the thread that made it, released
//!   in the reverse order of creation (the slots are a stack);
//! - `kmap`: a global pkmap slot, valid on every CPU until `kunmap`; it may sleep to find a free
//!   slot, and there are few of them (`LAST_PKMAP`).
//!
//! [`HighPages`] owns such a block and has no slice of its bytes. It lends them through a mapping
//! made for the purpose:
//!
//! - `PageBlock::with_local` ([`crate::mm::page_block`]; every block has it) maps a page with
//!   `kmap_local_page` for the length of a closure and hands it a [`LocalPage`], which copies
//!   bytes in and out and is neither `Send` nor `Sync`: a `&[u8]` of a kmap_local slot would be
//!   `Sync`, and could reach another CPU (through [`crate::kthread::on_cpus`], say), where the
//!   same address maps another page or nothing.
//!   Nested scopes unmap in LIFO order because closures nest.
//! - [`HighPages::kmap`] maps a page with `kmap` for as long as the returned [`KmapGuard`]
//!   lives: its address is valid everywhere, so the guard lends a plain `&mut [u8]`, and it may be
//!   held across a sleep.
//! - [`HighPages::with_vmap`] maps the whole block with `vmap` for the length of a closure and
//!   lends its bytes, contiguous and valid on every CPU ([`crate::mm::vmap::Vmap`] keeps such a
//!   view for longer).
//!
//! Where the kernel has no HIGHMEM (x86_64), the allocator ignores `__GFP_HIGHMEM`, both maps
//! return the page's direct-map address and the unmaps do nothing; the type and its rules stay
//! the same. The direct-map block, with slices of its bytes, is [`crate::mm::pages::Pages`].

use core::{
    marker::PhantomData,
    ptr::NonNull, //
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
        gfp::Gfp,
        gfp_policy::Family,
        pages::{
            self,
            Placement, //
        },
        vmap::Vmap,
    },
    shim::generated,
};

/// A zeroed block of `2^order` pages that may lie in ZONE_HIGHMEM, freed with `__free_pages` on
/// drop.
///
/// # Invariants
///
/// - `page` is the first `struct page` of a block of `2^order` pages that `alloc_pages` returned
///   for `order`, not yet freed, owned exclusively by `self`; `order <= MAX_PAGE_ORDER`.
/// - Every byte of the block is initialised (`__GFP_ZERO`, then only whole bytes written).
/// - No mapping of the block made through `self` outlives the borrow of `self` that made it.
pub(crate) struct HighPages {
    page: NonNull<bindings::page>,
    order: u32,
}

// SAFETY: `HighPages` owns its block exclusively; pages may be freed from any thread. Mappings
// are only made for the length of a borrow of `self` (type invariant), never owned by it.
unsafe impl Send for HighPages {}

// SAFETY: `&HighPages` only reads the block's `struct page`s (placement, zone), never its bytes.
unsafe impl Sync for HighPages {}

impl HighPages {
    /// `alloc_pages(gfp | __GFP_HIGHMEM | __GFP_ZERO, order)`. Sleeps if `gfp` allows it.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `order > MAX_PAGE_ORDER` or flags [`Family::HighPages`] refuses
    /// (`__GFP_HIGHMEM` itself: this type adds it; `__GFP_DMA`/`__GFP_DMA32`, which with it name
    /// no zone: `gfp_zone()`'s `VM_BUG_ON`); `ENOMEM` when the allocator fails.
    pub(crate) fn zeroed(order: u32, gfp: Gfp) -> Result<Self> {
        pages::check_order(order)?;
        gfp.check_for(Family::HighPages)?;
        let flags = Self::flags(gfp);
        // SAFETY: Any flags and an order up to MAX_PAGE_ORDER are valid arguments.
        let page = unsafe { generated::memlab_alloc_pages(flags.as_raw(), order) };
        let page = NonNull::new(page).ok_or(ENOMEM)?;
        // INVARIANT: `alloc_pages` returned a zeroed block of `2^order` pages, now owned here;
        // nothing is mapped yet.
        Ok(Self { page, order })
    }

    /// The flags [`HighPages::zeroed`] passes to the allocator for a caller's `gfp`.
    pub(crate) fn flags(gfp: Gfp) -> Gfp {
        gfp | Gfp::HIGHMEM | Gfp::ZERO
    }

    /// The number of pages in the block, `2^order`.
    pub(crate) fn count(&self) -> usize {
        1 << self.order
    }

    /// Page `index` of the block, borrowed, or `None` past the end.
    pub(crate) fn page(&self, index: usize) -> Option<BorrowedPage<'_>> {
        // SAFETY: The block has `count()` pages, allocated as long as `self` is borrowed.
        (index < self.count()).then(|| unsafe { pages::nth_page(self.page.as_ptr(), index) })
    }

    /// The `struct page` of page `index`, or `EINVAL` past the end.
    fn page_ptr(&self, index: usize) -> Result<*mut bindings::page> {
        Ok(self.page(index).ok_or(EINVAL)?.as_ptr())
    }

    /// Whether page `index` lies in ZONE_HIGHMEM (`PageHighMem`).
    ///
    /// # Errors
    ///
    /// `EINVAL` past the end.
    pub(crate) fn is_highmem(&self, index: usize) -> Result<bool> {
        let page = self.page_ptr(index)?;
        // SAFETY: `page` is a valid `struct page` of the block `self` owns.
        Ok(unsafe { generated::memlab_page_is_highmem(page) })
    }

    /// Page `index`'s permanent kernel address (`page_address`): `None` for a highmem page that
    /// no `kmap` maps at the moment.
    ///
    /// # Errors
    ///
    /// `EINVAL` past the end.
    pub(crate) fn page_address(&self, index: usize) -> Result<Option<usize>> {
        let page = self.page_ptr(index)?;
        // SAFETY: `page` is a valid `struct page` of the block `self` owns.
        let addr = unsafe { generated::memlab_page_address(page) };
        // CAST: pointer to address.
        Ok((!addr.is_null()).then_some(addr as usize))
    }

    /// Where the block lives: pfn, physical address, zone.
    pub(crate) fn placement(&self) -> Placement {
        // SAFETY: `self.page` is the first page of a block `self` owns (type invariant).
        unsafe { pages::placement(self.page.as_ptr()) }
    }

    /// Maps the whole block with `vmap` for the length of `f`, and lends `f` its bytes, which are
    /// valid on every CPU meanwhile; `vunmap`s after. May sleep (so may `f`).
    ///
    /// # Errors
    ///
    /// `ENOMEM` if the mapping cannot be made; `f` does not run then.
    pub(crate) fn with_vmap<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> Result<R> {
        let mut blocks = KVec::with_capacity(1, GFP_KERNEL)?;
        blocks.push(self, GFP_KERNEL)?;
        let mut map = Vmap::new(blocks)?;
        Ok(f(map.as_mut_slice()))
    }

    /// Maps page `index` with `kmap` until the returned guard is dropped. May sleep.
    ///
    /// # Errors
    ///
    /// `EINVAL` past the end.
    pub(crate) fn kmap(&mut self, index: usize) -> Result<KmapGuard<'_>> {
        let page = self.page_ptr(index)?;
        kernel::task::might_sleep();
        // SAFETY: `page` is a valid page of the block `self` owns; the guard borrows `self`
        // mutably, so the page stays allocated, and reached through this mapping only, until the
        // guard's `kunmap`.
        let addr = unsafe { generated::memlab_kmap(page) };
        let addr = NonNull::new(addr.cast::<u8>()).ok_or(EINVAL)?;
        // INVARIANT: `kmap` mapped the page at `addr` on every CPU until `kunmap(page)`.
        Ok(KmapGuard {
            page,
            addr,
            _block: PhantomData,
        })
    }
}

impl Drop for HighPages {
    fn drop(&mut self) {
        // SAFETY: `self.page` starts a block of order `self.order` from `alloc_pages`, owned by
        // `self` and mapped by nothing (mappings end with the borrows that made them); freed
        // once, here.
        unsafe { bindings::__free_pages(self.page.as_ptr(), self.order) };
    }
}

/// Maps `page` with `kmap_local_page`, runs `f` on it, then `kunmap_local`s: the body of
/// `PageBlock::with_local` ([`crate::mm::page_block`]). Never sleeps to map; `f` may sleep (the
/// kernel saves and restores the task's local mappings).
///
/// # Safety
///
/// `page` is a valid `struct page` whose `PAGE_SIZE` bytes are initialised, stays allocated until
/// this returns, and is reached by nothing else meanwhile (the caller borrows its block
/// mutably).
pub(crate) unsafe fn with_local_page<R>(
    page: *mut bindings::page,
    f: impl FnOnce(&mut LocalPage<'_>) -> R,
) -> Result<R> {
    // SAFETY: `page` is valid and stays allocated until after the `kunmap_local` below (the
    // function's safety requirements).
    let addr = unsafe { generated::memlab_kmap_local_page(page) };
    // `kmap_local_page` never fails (highmem.rst): a NULL here would be a kernel bug.
    let addr = NonNull::new(addr.cast::<u8>()).ok_or(EINVAL)?;
    // INVARIANT: `addr` maps the page's `PAGE_SIZE` initialised bytes in this thread until the
    // `kunmap_local` below, and nothing else reaches them (safety requirements); the handle is
    // borrowed by `f` only and cannot leave this thread (it is neither `Send` nor `Sync`).
    let mut local = LocalPage {
        addr,
        _not_send_or_sync: PhantomData,
    };
    let result = f(&mut local);
    // SAFETY: `addr` is the latest kmap_local mapping of this thread: any mapping `f` made in
    // between was released before `f` returned (closures nest), and `local` is not used after
    // this.
    unsafe { generated::memlab_kunmap_local(addr.as_ptr().cast()) };
    Ok(result)
}

/// One page mapped with `kmap_local_page`, for the closure of `PageBlock::with_local` (see
/// [`crate::mm::page_block`]). Its bytes are copied in and out, never lent: a reference into a
/// kmap_local slot must not reach another thread, and a `&[u8]` is `Send`.
///
/// # Invariants
///
/// `addr` maps `PAGE_SIZE` initialised bytes, in the thread that holds this value, for as long as
/// it exists; nothing else accesses them meanwhile.
pub(crate) struct LocalPage<'a> {
    addr: NonNull<u8>,
    /// Neither `Send` nor `Sync`, and tied to the borrow of the block.
    _not_send_or_sync: PhantomData<&'a mut *mut u8>,
}

impl LocalPage<'_> {
    /// The mapping's virtual address (for display and tests).
    pub(crate) fn addr(&self) -> usize {
        self.addr.as_ptr() as usize
    }

    /// The offset range `offset..offset + len`, if it lies inside the page.
    fn range(offset: usize, len: usize) -> Result<usize> {
        offset
            .checked_add(len)
            .filter(|end| *end <= PAGE_SIZE)
            .map(|_| offset)
            .ok_or(EINVAL)
    }

    /// Copies `out.len()` bytes from `offset` into `out`.
    ///
    /// # Errors
    ///
    /// `EINVAL` if they do not lie inside the page.
    pub(crate) fn read(&self, offset: usize, out: &mut [u8]) -> Result {
        let offset = Self::range(offset, out.len())?;
        // SAFETY: `offset..offset + out.len()` lies inside the mapped page (checked), whose
        // bytes are initialised (type invariant); `out` is another object.
        unsafe {
            core::ptr::copy_nonoverlapping(
                self.addr.as_ptr().add(offset),
                out.as_mut_ptr(),
                out.len(),
            )
        };
        Ok(())
    }

    /// Copies `bytes` into the page at `offset`.
    ///
    /// # Errors
    ///
    /// `EINVAL` if they do not lie inside the page.
    pub(crate) fn write(&mut self, offset: usize, bytes: &[u8]) -> Result {
        let offset = Self::range(offset, bytes.len())?;
        // SAFETY: As in `read`; `&mut self` makes the access exclusive.
        unsafe {
            core::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.addr.as_ptr().add(offset),
                bytes.len(),
            )
        };
        Ok(())
    }

    /// Sets every byte of the page to `byte`.
    pub(crate) fn fill(&mut self, byte: u8) {
        // SAFETY: The page's `PAGE_SIZE` bytes are mapped at `addr` (type invariant); `&mut
        // self` makes the access exclusive.
        unsafe { core::ptr::write_bytes(self.addr.as_ptr(), byte, PAGE_SIZE) };
    }
}

/// One page mapped with `kmap`, unmapped on drop; its bytes are valid on every CPU meanwhile.
///
/// # Context
///
/// [`HighPages::kmap`] may sleep (for a free pkmap slot) and the drop calls `kunmap`: use both
/// in process context. Each calls `might_sleep()` first, so `CONFIG_DEBUG_ATOMIC_SLEEP` reports
/// a misuse every time.
///
/// # Invariants
///
/// `addr` is what `kmap(page)` returned, not yet unmapped; `page` is a page of the block borrowed
/// mutably for `'a`, whose `PAGE_SIZE` bytes are initialised and reached only through `self`.
pub(crate) struct KmapGuard<'a> {
    page: *mut bindings::page,
    addr: NonNull<u8>,
    _block: PhantomData<&'a mut HighPages>,
}

impl KmapGuard<'_> {
    /// The mapping's virtual address (for display and tests).
    pub(crate) fn addr(&self) -> usize {
        self.addr.as_ptr() as usize
    }

    /// The page's bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        // SAFETY: `addr` maps the page's `PAGE_SIZE` initialised bytes until `self` drops (type
        // invariants).
        unsafe { core::slice::from_raw_parts(self.addr.as_ptr(), PAGE_SIZE) }
    }

    /// The page's bytes, writable.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: As in `as_slice`; `&mut self` makes the access exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.addr.as_ptr(), PAGE_SIZE) }
    }
}

impl Drop for KmapGuard<'_> {
    fn drop(&mut self) {
        kernel::task::might_sleep();
        // SAFETY: `page` was mapped by `kmap` (type invariants) and is unmapped once, here; no
        // slice of it outlives `self`.
        unsafe { generated::memlab_kunmap(self.page) };
    }
}

#[kunit_tests(memlab_high_pages)]
mod tests {
    use super::*;
    use crate::mm::page_block::PageBlock;

    /// Whether the kernel has ZONE_HIGHMEM; where it has not (x86_64), every case checks that
    /// the same calls behave as for a direct-mapped page instead.
    const HIGHMEM: bool = cfg!(CONFIG_HIGHMEM);

    #[test]
    fn a_highmem_page_has_no_kernel_address() -> Result {
        let block = HighPages::zeroed(1, Gfp::KERNEL)?;
        assert_eq!(block.is_highmem(0)?, HIGHMEM);
        assert_eq!(block.page_address(0)?.is_none(), HIGHMEM);
        let in_highmem_zone = block.placement().zone == "HighMem";
        assert_eq!(in_highmem_zone, HIGHMEM);
        assert_eq!(block.is_highmem(2).err(), Some(EINVAL));
        // __GFP_HIGHMEM is the type's to add; a second zone modifier with it names no zone.
        for zone in [Gfp::HIGHMEM, Gfp::DMA, Gfp::DMA32] {
            assert_eq!(HighPages::zeroed(0, Gfp::KERNEL | zone).err(), Some(EINVAL));
        }
        Ok(())
    }

    #[test]
    fn kmap_local_maps_above_high_memory_and_unmaps_after() -> Result {
        let mut block = HighPages::zeroed(0, Gfp::KERNEL)?;
        let direct = block.page_address(0)?;
        let depth = kmap_local_depth();
        let (addr, inside) = block.with_local(0, |page| {
            page.write(100, &[1, 2, 3])?;
            Ok::<_, Error>((page.addr(), kmap_local_depth()))
        })??;
        let facts = crate::shim::facts();
        // CAST: `usize` fits `u64`.
        let addr_u64 = addr as u64;
        assert_eq!(
            facts.kmap_local_area.map(|area| area.contains(addr_u64)),
            HIGHMEM.then_some(true)
        );
        if HIGHMEM {
            // A temporary mapping: above the direct map, in a fixmap slot.
            assert!(addr_u64 >= facts.high_memory);
            // One slot taken while mapped (a step of 2 with DEBUG_KMAP_LOCAL, which keeps a
            // guard slot between two), and given back after.
            assert!(inside > depth);
        } else {
            // No HIGHMEM: the direct-map address, and no slot.
            assert_eq!((Some(addr), inside), (direct, depth));
        }
        // Gone after the scope: the slot is free again, and a highmem page has no kernel
        // address again (a lowmem one keeps its own).
        assert_eq!(kmap_local_depth(), depth);
        assert_eq!(block.page_address(0)?, direct);
        let mut bytes = [0u8; 4];
        block.with_local(0, |page| page.read(99, &mut bytes))??;
        assert_eq!(bytes, [0, 1, 2, 3]);
        assert_eq!(block.with_local(1, |_| ()).err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn nested_kmap_local_scopes_unmap_in_lifo_order() -> Result {
        let mut outer = HighPages::zeroed(0, Gfp::KERNEL)?;
        let mut inner = HighPages::zeroed(0, Gfp::KERNEL)?;
        let depth = kmap_local_depth();
        let seen = outer.with_local(0, |outer_page| -> Result<_> {
            outer_page.fill(0x11);
            let inner_seen = inner.with_local(0, |inner_page| {
                inner_page.fill(0x22);
                (inner_page.addr(), kmap_local_depth())
            })?;
            // The inner slot is released; the outer one still maps the outer page.
            let mut byte = [0u8];
            outer_page.read(PAGE_SIZE - 1, &mut byte)?;
            assert_eq!(
                outer_page.read(PAGE_SIZE - 1, &mut [0u8; 2]).err(),
                Some(EINVAL)
            );
            Ok((outer_page.addr(), inner_seen, kmap_local_depth(), byte[0]))
        })??;
        let (outer_addr, (inner_addr, inner_depth), after_inner, outer_byte) = seen;
        assert!(outer_addr != inner_addr);
        if HIGHMEM {
            // The inner slot sits on top of the outer one and goes first: a stack.
            let step = after_inner - depth;
            assert!(step > 0);
            assert_eq!(inner_depth, depth + 2 * step);
        } else {
            assert_eq!((inner_depth, after_inner), (depth, depth));
        }
        assert_eq!(outer_byte, 0x11);
        assert_eq!(kmap_local_depth(), depth);
        let mut byte = [0u8];
        inner.with_local(0, |page| page.read(0, &mut byte))??;
        assert_eq!(byte[0], 0x22);
        Ok(())
    }

    #[test]
    fn a_kmap_survives_a_sleep_and_sees_what_kmap_local_wrote() -> Result {
        let mut block = HighPages::zeroed(0, Gfp::KERNEL)?;
        let direct = block.page_address(0)?;
        block.with_local(0, |page| page.fill(0x5a))?;
        let mut map = block.kmap(0)?;
        let addr = map.addr();
        if HIGHMEM {
            // A kmap'd highmem page has an address for as long as it is mapped: a pkmap slot.
            let area = crate::shim::facts().kmap_area.ok_or(EINVAL)?;
            // CAST: `usize` fits `u64`.
            assert!(area.contains(addr as u64));
        } else {
            assert_eq!(Some(addr), direct);
        }
        kernel::time::delay::fsleep(kernel::time::Delta::from_millis(2));
        assert!(map.as_slice().iter().all(|&b| b == 0x5a));
        map.as_mut_slice()[7] = 0xa5;
        assert_eq!(map.addr(), addr);
        drop(map);
        // kunmap leaves a highmem page's slot mapped until the pkmap area wraps around and is
        // flushed: the page keeps that address, or none. A lowmem page keeps its own.
        let after = block.page_address(0)?;
        assert!(after == direct || after == Some(addr));
        let mut byte = [0u8];
        block.with_local(0, |page| page.read(7, &mut byte))??;
        assert_eq!(byte[0], 0xa5);
        Ok(())
    }

    #[test]
    fn a_vmap_of_the_block_is_one_view_of_what_every_mapping_wrote() -> Result {
        let mut block = HighPages::zeroed(1, Gfp::KERNEL)?;
        block.with_local(1, |page| page.write(0, b"local"))??;
        let mut map = block.kmap(0)?;
        map.as_mut_slice()[PAGE_SIZE - 1] = 0x4b;
        drop(map);
        let (addr, seen) = block.with_vmap(|bytes| {
            // The last byte of page 0 and the first of page 1, side by side.
            let seen = (
                bytes[PAGE_SIZE - 1],
                bytes[PAGE_SIZE..PAGE_SIZE + 5] == *b"local",
            );
            bytes[PAGE_SIZE + 5] = 0x76;
            // CAST: pointer to address.
            (bytes.as_ptr() as usize, seen)
        })?;
        // SAFETY: `is_vmalloc_addr` only compares an address with the vmalloc area's bounds.
        assert!(unsafe { bindings::is_vmalloc_addr(addr as *const _) });
        assert_eq!(seen, (0x4b, true));
        let mut byte = [0u8];
        block.with_local(1, |page| page.read(5, &mut byte))??;
        assert_eq!(byte[0], 0x76);
        Ok(())
    }

    /// The current task's kmap_local stack index.
    fn kmap_local_depth() -> usize {
        // SAFETY: Reads the current task's own counter.
        let depth = unsafe { generated::memlab_kmap_local_depth() };
        // CAST: a small non-negative count.
        depth as usize
    }
}
