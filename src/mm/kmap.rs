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
//! On x86_64 there is no HIGHMEM (it exists only on 32-bit x86): every page is in the direct map,
//! both functions return `page_address(page)` and the unmaps do nothing. memlab still makes the
//! real calls, so the code is correct where HIGHMEM exists. `kmap` may sleep and is deprecated in
//! favour of `kmap_local_page`, which never sleeps (it disables migration, not preemption).

use kernel::{
    page::PAGE_SIZE,
    prelude::*, //
};

use crate::{
    mm::pages::Pages,
    shim::generated, //
};

/// Which page of `pages` to map, checked.
fn page_of(pages: &Pages, index: usize) -> Result<*mut kernel::bindings::page> {
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
        assert_eq!(mapped.0, expected.0);
        assert_eq!(mapped.1?, expected.1);
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
