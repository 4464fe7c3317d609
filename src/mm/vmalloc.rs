// SPDX-License-Identifier: GPL-2.0

//! The vmalloc family: virtually contiguous buffers built from individual pages.
//!
//! [`VmallocBuf`] wraps `vmalloc`, `vzalloc`, `vmalloc_32`, `__vmalloc` and `vfree`, and
//! `kvmalloc`/`kvfree` (which try kmalloc first and fall back to vmalloc); see
//! [`include/linux/vmalloc.h`](srctree/include/linux/vmalloc.h). Its `Drop` frees with the
//! matching function. The page walk ([`VmallocBuf::pages`], `vmalloc_to_page`) lends each backing
//! page out as a [`BorrowedPage`] that cannot outlive the buffer.
//!
//! vmalloc may sleep whatever flags it is given (it maps pages into the vmalloc area); every
//! constructor announces that with `might_sleep()`, so calling one in atomic context is reported
//! by `CONFIG_DEBUG_ATOMIC_SLEEP` at once. Since 6.x vmalloc first tries high-order pages, so the
//! backing pages often form a few physically contiguous runs: [`VmallocBuf::contiguous_runs`]
//! counts them; nothing here assumes either way.
//!
//! The `kernel` crate's peers are `VBox`/`VVec` and `KVBox`/`KVVec`
//! (`rust/kernel/alloc/kbox.rs`), typed and without vmalloc_32 or a page walk.

use core::{
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
    facts::pfn_runs,
    mm::{
        byte::{
            self,
            Byte, //
        },
        gfp::Gfp,
        gfp_policy::Family, //
    },
    shim::generated, //
};

/// Which allocator a [`VmallocBuf`] came from, and so which function frees it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Allocator {
    /// `vmalloc`, `vzalloc`, `vmalloc_32` or `__vmalloc`: freed with `vfree`.
    Vmalloc,
    /// `kvmalloc`: kmalloc or vmalloc memory, freed with `kvfree`.
    Kvmalloc,
}

/// A virtually contiguous byte buffer from the vmalloc family, freed on drop.
///
/// # Context
///
/// Dropping calls `vfree` (or `kvfree`), which may sleep: drop it in process context. (From an
/// interrupt `vfree` defers the work, but under a spinlock it would sleep.) `drop` calls
/// `might_sleep()` first, so `CONFIG_DEBUG_ATOMIC_SLEEP` reports a misuse every time, also for a
/// kvmalloc buffer that kmalloc served.
///
/// # Invariants
///
/// - `ptr` was returned for at least `len` bytes by the allocator `allocator` names, has not
///   been freed, and `self` owns it exclusively; `len >= 1`.
/// - If `T` is `u8`, all `len` bytes are initialised.
pub(crate) struct VmallocBuf<T: Byte = u8> {
    ptr: NonNull<T>,
    len: usize,
    allocator: Allocator,
}

// SAFETY: `VmallocBuf` owns plain bytes exclusively; vfree/kvfree may be called from any thread
// (in the context the type's docs require).
unsafe impl<T: Byte> Send for VmallocBuf<T> {}

// SAFETY: Shared access only reads (`&self` gives `&[T]` and borrowed pages).
unsafe impl<T: Byte> Sync for VmallocBuf<T> {}

/// The largest size memlab asks for: kvmalloc refuses (and WARNs about) sizes above `INT_MAX`.
// CAST: `i32::MAX` fits `usize` on 64-bit.
pub(crate) const MAX_SIZE: usize = i32::MAX as usize;

fn check_len(len: usize) -> Result {
    if len == 0 || len > MAX_SIZE {
        return Err(EINVAL);
    }
    Ok(())
}

impl<T: Byte> VmallocBuf<T> {
    /// Takes ownership of what an allocation call returned for `len` bytes.
    ///
    /// # Safety
    ///
    /// `ptr` is null or was just returned by `allocator`'s family for at least `len >= 1` bytes,
    /// and nothing else owns it; if `T` is `u8`, the call initialised all `len` bytes.
    unsafe fn from_raw(
        ptr: *mut kernel::ffi::c_void,
        len: usize,
        allocator: Allocator,
    ) -> Result<Self> {
        let ptr = NonNull::new(ptr.cast::<T>()).ok_or(ENOMEM)?;
        // INVARIANT: Guaranteed by the caller; `ptr` is not null.
        Ok(Self {
            ptr,
            len,
            allocator,
        })
    }

    /// The length asked for.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer lies in the vmalloc area (`is_vmalloc_addr`); kvmalloc may have
    /// served it from kmalloc instead.
    pub(crate) fn is_vmalloc(&self) -> bool {
        // SAFETY: `is_vmalloc_addr` only compares an address with the area's bounds.
        unsafe { bindings::is_vmalloc_addr(self.ptr.as_ptr().cast()) }
    }

    /// The contents.
    pub(crate) fn as_slice(&self) -> &[T] {
        // SAFETY: `ptr` is valid for `len` bytes and owned by `self`; `T` is `u8` only when they
        // are initialised (type invariants).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The contents, writable.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: As in `as_slice`; `&mut self` makes the access exclusive, and writing a `T`
        // keeps the bytes initialised when `T` is `u8`.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// Each page backing the buffer, in address order, borrowed for as long as `self` is.
    ///
    /// vmalloc memory is walked with `vmalloc_to_page`; kmalloc memory (a small kvmalloc) with
    /// `virt_to_page`.
    pub(crate) fn pages(&self) -> impl Iterator<Item = BorrowedPage<'_>> + '_ {
        // CAST: pointer to address; the buffer's first page starts at the address rounded down.
        let first = self.ptr.as_ptr() as usize & !(PAGE_SIZE - 1);
        let end = self.ptr.as_ptr() as usize + self.len;
        let vmalloc = self.is_vmalloc();
        (first..end).step_by(PAGE_SIZE).filter_map(move |addr| {
            // CAST: back from address to pointer, inside the buffer's pages.
            let addr = addr as *const kernel::ffi::c_void;
            let page = if vmalloc {
                // SAFETY: `addr` is in a mapped page of this live vmalloc allocation.
                unsafe { bindings::vmalloc_to_page(addr) }
            } else {
                // SAFETY: `addr` is in a page of this live kmalloc allocation, in the direct map.
                unsafe { generated::memlab_virt_to_page(addr) }
            };
            let page = NonNull::new(page)?;
            // SAFETY: The page backs this allocation, which `self` keeps alive while borrowed.
            Some(unsafe { BorrowedPage::from_raw(page) })
        })
    }

    /// The page frames backing the buffer, in address order.
    pub(crate) fn pfns(&self) -> impl Iterator<Item = u64> + '_ {
        self.pages().map(|page| {
            // SAFETY: `page` is a valid `struct page` for the duration of the borrow.
            let pfn = unsafe { generated::memlab_page_to_pfn(page.as_ptr()) };
            // CAST: `unsigned long` fits `u64`.
            pfn as u64
        })
    }

    /// The number of physically contiguous runs the backing pages form (1: all contiguous).
    pub(crate) fn contiguous_runs(&self) -> usize {
        pfn_runs(self.pfns()).count()
    }
}

impl VmallocBuf<MaybeUninit<u8>> {
    /// `vmalloc(len)`: contents undefined until written. Sleeps.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `len == 0` or `len > MAX_SIZE`; `ENOMEM` when vmalloc fails.
    pub(crate) fn new_uninit(len: usize) -> Result<Self> {
        check_len(len)?;
        kernel::task::might_sleep();
        // SAFETY: Any length from 1 to `MAX_SIZE` (checked) is a valid argument; vmalloc returns
        // a fresh allocation or NULL and takes nothing else.
        let ptr = unsafe { generated::memlab_vmalloc(len) };
        // SAFETY: `ptr` is vmalloc's fresh answer for `len` bytes, checked above.
        unsafe { Self::from_raw(ptr, len, Allocator::Vmalloc) }
    }

    /// `vmalloc_32(len)`: pages from ZONE_DMA32 or below (physical addresses below 4 GiB).
    /// Sleeps.
    ///
    /// # Errors
    ///
    /// As [`Self::new_uninit`].
    pub(crate) fn new_32_uninit(len: usize) -> Result<Self> {
        Self::vmalloc_32(len, false)
    }

    /// `vmalloc_32(len)` with `__GFP_NOWARN`: a failure prints nothing (vmalloc_32 itself takes
    /// no flags; the shim passes vmalloc_32's own flags plus `__GFP_NOWARN`). Sleeps. The kernel
    /// exports the function this needs only with `CONFIG_TEST_VMALLOC=m` (memlab's kernels);
    /// elsewhere (Debian's stock kernel) this is plain `vmalloc_32`, whose failure may warn.
    ///
    /// # Errors
    ///
    /// As [`Self::new_uninit`].
    pub(crate) fn new_32_nowarn(len: usize) -> Result<Self> {
        Self::vmalloc_32(len, true)
    }

    fn vmalloc_32(len: usize, nowarn: bool) -> Result<Self> {
        check_len(len)?;
        kernel::task::might_sleep();
        // SAFETY: As in `new_uninit`.
        let ptr = unsafe { generated::memlab_vmalloc_32(len, nowarn) };
        // SAFETY: `ptr` is vmalloc_32's fresh answer for `len` bytes, checked above.
        unsafe { Self::from_raw(ptr, len, Allocator::Vmalloc) }
    }

    /// `__vmalloc(len, gfp)`: vmalloc with the caller's flags (e.g. `GFP_KERNEL | __GFP_NOWARN`).
    /// Sleeps, whatever `gfp` says.
    ///
    /// # Errors
    ///
    /// As [`Self::new_uninit`]; also `EINVAL` for a flag vmalloc's allow-list lacks (zone
    /// modifiers, `__GFP_COMP`, ...: the kernel would WARN and strip them, see
    /// [`crate::mm::gfp_policy`]).
    pub(crate) fn with_flags(len: usize, gfp: Gfp) -> Result<Self> {
        check_len(len)?;
        gfp.check_for(Family::Vmalloc)?;
        kernel::task::might_sleep();
        // SAFETY: Any length up to `MAX_SIZE` (checked) is valid; `gfp` holds only flags of
        // `GFP_VMALLOC_SUPPORTED` (vmalloc's allow-list, checked).
        let ptr = unsafe { generated::memlab_vmalloc_flags(len, gfp.as_raw()) };
        // SAFETY: `ptr` is __vmalloc's fresh answer for `len` bytes, checked above.
        unsafe { Self::from_raw(ptr, len, Allocator::Vmalloc) }
    }

    /// `kvmalloc(len, gfp)`: kmalloc if it can, vmalloc otherwise; freed with `kvfree`.
    ///
    /// # Errors
    ///
    /// As [`Self::with_flags`], with kvmalloc's allow-list (the same flags: its vmalloc
    /// fallback skips vmalloc's own check, and would `split_page` a `__GFP_COMP` block).
    pub(crate) fn kvmalloc_uninit(len: usize, gfp: Gfp) -> Result<Self> {
        check_len(len)?;
        gfp.check_for(Family::Kvmalloc)?;
        // SAFETY: Any length up to INT_MAX (checked) is valid; `gfp` holds only flags both
        // kmalloc and vmalloc accept (kvmalloc's allow-list, checked).
        let ptr = unsafe { generated::memlab_kvmalloc(len, gfp.as_raw()) };
        // SAFETY: `ptr` is kvmalloc's fresh answer for `len` bytes, checked above.
        unsafe { Self::from_raw(ptr, len, Allocator::Kvmalloc) }
    }

    /// Keeps the bytes the allocator left (earlier users' data) and makes them readable
    /// (see [`byte::freeze`]); the contents are then defined.
    pub(crate) fn freeze(mut self) -> VmallocBuf {
        byte::freeze(self.as_mut_slice());
        let this = ManuallyDrop::new(self);
        // INVARIANT: Same allocation, every byte now initialised (`freeze`); `this` is not
        // dropped, so ownership moves to the new value.
        VmallocBuf {
            ptr: this.ptr.cast(),
            len: this.len,
            allocator: this.allocator,
        }
    }

    /// Sets every byte to `byte`; the contents are then defined.
    pub(crate) fn fill(mut self, byte: u8) -> VmallocBuf {
        self.as_mut_slice().fill(MaybeUninit::new(byte));
        self.freeze()
    }
}

impl VmallocBuf {
    /// `vzalloc(len)`: zeroed contents. Sleeps.
    ///
    /// # Errors
    ///
    /// As [`VmallocBuf::new_uninit`].
    pub(crate) fn zeroed(len: usize) -> Result<Self> {
        check_len(len)?;
        kernel::task::might_sleep();
        // SAFETY: As in `new_uninit`.
        let ptr = unsafe { generated::memlab_vzalloc(len) };
        // SAFETY: `ptr` is vzalloc's fresh answer for `len` zeroed bytes, checked above.
        unsafe { Self::from_raw(ptr, len, Allocator::Vmalloc) }
    }
}

impl<T: Byte> Drop for VmallocBuf<T> {
    fn drop(&mut self) {
        // See "Context" on the type.
        kernel::task::might_sleep();
        let ptr = self.ptr.as_ptr().cast();
        match self.allocator {
            // SAFETY: `ptr` is a live allocation of the vmalloc family owned by `self` (type
            // invariant); it is freed once, here, with the matching function.
            Allocator::Vmalloc => unsafe { generated::memlab_vfree(ptr) },
            // SAFETY: As above, for the kvmalloc family.
            Allocator::Kvmalloc => unsafe { bindings::kvfree(ptr) },
        }
    }
}

#[kunit_tests(memlab_vmalloc)]
mod tests {
    use super::*;
    use crate::{
        mm::{
            fault,
            testing, //
        },
        shim, //
    };

    type Uninit = VmallocBuf<MaybeUninit<u8>>;

    #[test]
    fn vmalloc_memory_is_in_the_vmalloc_area() -> Result {
        let buf = Uninit::new_uninit(10 * PAGE_SIZE + 1)?;
        assert!(buf.is_vmalloc());
        assert_eq!(buf.pages().count(), 11);
        let runs = buf.contiguous_runs();
        assert!((1..=11).contains(&runs));
        let big = Uninit::new_uninit(4 << 20)?;
        pr_info!(
            "vmalloc(4 MiB): {} pages in {} physically contiguous runs\n",
            big.pages().count(),
            big.contiguous_runs()
        );
        Ok(())
    }

    #[test]
    fn vzalloc_is_zeroed_and_writable() -> Result {
        let mut buf = VmallocBuf::zeroed(3 * PAGE_SIZE)?;
        assert_eq!(buf.len(), 3 * PAGE_SIZE);
        assert!(buf.as_slice().iter().all(|&b| b == 0));
        buf.as_mut_slice()[PAGE_SIZE] = 0x5a;
        let page = buf.pages().nth(1).ok_or(EINVAL)?;
        let mut byte = 0u8;
        // SAFETY: Nothing writes the page during this read; `byte` is a valid destination.
        unsafe { page.read_raw(&mut byte, 0, 1)? };
        assert_eq!(byte, 0x5a);
        Ok(())
    }

    #[test]
    fn vmalloc_32_pages_are_below_4_gib() -> Result {
        if !testing::ram_above_4g() {
            testing::skip(c"vmalloc_32 needs RAM above 4 GiB to prove anything");
            return Ok(());
        }
        let buf = Uninit::new_32_uninit(64 * PAGE_SIZE)?;
        for page in buf.pages() {
            assert!(shim::page_phys_addr(&page) < 4 << 30);
        }
        Ok(())
    }

    #[test]
    fn kvmalloc_picks_kmalloc_for_small_sizes() -> Result {
        let small = Uninit::kvmalloc_uninit(100, Gfp::KERNEL)?.fill(1);
        assert!(!small.is_vmalloc());
        assert_eq!(small.pages().count(), 1);
        assert!(small.as_slice().iter().all(|&b| b == 1));
        let large = Uninit::kvmalloc_uninit(8 << 20, Gfp::KERNEL)?;
        assert!(large.is_vmalloc());
        assert_eq!(large.pages().count(), 2048);
        Ok(())
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert_eq!(Uninit::new_uninit(0).err(), Some(EINVAL));
        assert_eq!(VmallocBuf::zeroed(MAX_SIZE + 1).err(), Some(EINVAL));
        assert_eq!(
            Uninit::with_flags(PAGE_SIZE, Gfp::KERNEL | Gfp::DMA).err(),
            Some(EINVAL)
        );
        assert_eq!(
            Uninit::kvmalloc_uninit(PAGE_SIZE, Gfp::KERNEL | Gfp::DMA32).err(),
            Some(EINVAL)
        );
    }

    #[test]
    fn injected_failures_are_enomem() -> Result {
        let Some(result) = testing::fail_nth(1, || {
            Uninit::with_flags(16 * PAGE_SIZE, Gfp::KERNEL | Gfp::NOWARN)
        }) else {
            return Ok(());
        };
        assert_eq!(result.err(), Some(ENOMEM));

        // Fail each decision point of one vmalloc in turn (the syzkaller fail-nth walk). Some
        // failures are absorbed (a high-order attempt falls back to single pages); the others
        // must surface as ENOMEM. Either way nothing may leak: the VM suite's kmemleak scan and
        // KASAN watch this.
        let Some(walk) = testing::fail_each_point(
            256,
            || Ok(()),
            |()| Uninit::with_flags(64 * PAGE_SIZE, Gfp::KERNEL | Gfp::NOWARN),
        )?
        else {
            return Ok(());
        };
        pr_info!(
            "vmalloc(256 KiB): {} fault-injection points, {} gave ENOMEM\n",
            walk.points,
            walk.errors
        );
        assert!(walk.errors >= 1);
        assert!(walk.completed);
        let (result, injected) = fault::run_failing(1, || {
            Uninit::kvmalloc_uninit(100, Gfp::KERNEL | Gfp::NOWARN)
        })
        .ok_or(EINVAL)?;
        assert!(injected);
        assert_eq!(result.err(), Some(ENOMEM));
        Ok(())
    }
}
