// SPDX-License-Identifier: GPL-2.0

//! The kmalloc family: an owned, physically contiguous byte buffer from the slab allocator.
//!
//! [`KmallocBuf`] wraps `kmalloc`, `kzalloc`, `kmalloc_array`, `kcalloc`, `krealloc`, `ksize`
//! and `kfree` (see [`include/linux/slab.h`](srctree/include/linux/slab.h)). Its `Drop` frees,
//! so safe code cannot leak it by accident, free it twice or use it after the free. What
//! kmalloc returns uninitialised is typed `MaybeUninit<u8>` until written, so safe code cannot
//! read undefined bytes either. Sizes the kernel would answer with `NULL` or `ZERO_SIZE_PTR`
//! (0, above `KMALLOC_MAX_SIZE`, an overflowing array) and zone flags it would warn about and
//! strip (`GFP_DMA32`, `__GFP_HIGHMEM`) are errors here, decided before C is called.
//!
//! The peer in the `kernel` crate is `KBox`/`KVec` (`rust/kernel/alloc/kbox.rs`): typed, and
//! without `ksize`, `kcalloc` or caller-chosen GFP flags beyond its seven.

use core::{
    mem::{
        ManuallyDrop,
        MaybeUninit, //
    },
    ptr::NonNull,
};

use kernel::{
    bindings,
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
    shim::generated, //
};

/// A byte buffer allocated by kmalloc, freed with `kfree` on drop.
///
/// `KmallocBuf<MaybeUninit<u8>>` is what `kmalloc` gives (contents undefined);
/// `KmallocBuf` (of `u8`) has defined contents, from `kzalloc`/`kcalloc` or [`Self::fill`].
///
/// # Invariants
///
/// - `ptr` was returned by `kmalloc`, `kzalloc`, `kmalloc_array`, `kcalloc` or `krealloc`
///   for at least `len` bytes, and has not been freed; `self` owns it exclusively.
/// - `1 <= len <= KMALLOC_MAX_SIZE`.
/// - If `T` is `u8`, all `len` bytes are initialised.
pub(crate) struct KmallocBuf<T: Byte = u8> {
    ptr: NonNull<T>,
    len: usize,
}

// SAFETY: `KmallocBuf` owns plain bytes exclusively (like `KBox<[u8]>`); kmalloc memory may
// be freed from any thread.
unsafe impl<T: Byte> Send for KmallocBuf<T> {}

// SAFETY: Shared access only reads the bytes (`&self` gives `&[T]`).
unsafe impl<T: Byte> Sync for KmallocBuf<T> {}

/// The largest size kmalloc serves: the kernel's `KMALLOC_MAX_SIZE`.
// CAST: a `u32` constant (4 MiB on x86_64) always fits `usize`.
pub(crate) const MAX_SIZE: usize = bindings::KMALLOC_MAX_SIZE as usize;

fn check_len(len: usize) -> Result {
    if len == 0 || len > MAX_SIZE {
        return Err(EINVAL);
    }
    Ok(())
}

/// The byte length of an `n`-element array of `size`-byte elements, checked like any length.
fn array_len(n: usize, size: usize) -> Result<usize> {
    let len = n.checked_mul(size).ok_or(EOVERFLOW)?;
    check_len(len)?;
    Ok(len)
}

impl<T: Byte> KmallocBuf<T> {
    /// Takes ownership of what an allocation call returned for `len` bytes.
    ///
    /// # Safety
    ///
    /// `ptr` is null or was just returned by a kmalloc-family call for at least `len` bytes,
    /// with `1 <= len <= KMALLOC_MAX_SIZE`, and nothing else owns it; if `T` is `u8`, the
    /// call initialised all `len` bytes.
    unsafe fn from_raw(ptr: *mut kernel::ffi::c_void, len: usize) -> Result<Self> {
        let ptr = NonNull::new(ptr.cast::<T>()).ok_or(ENOMEM)?;
        // INVARIANT: Guaranteed by the caller; `ptr` is not null.
        Ok(Self { ptr, len })
    }

    /// The length asked for.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// `ksize()`: the size of the slab object (or large allocation) actually backing the buffer.
    pub(crate) fn ksize(&self) -> usize {
        // SAFETY: `self.ptr` is a live kmalloc allocation (type invariant).
        unsafe { bindings::ksize(self.ptr.as_ptr().cast()) }
    }

    /// The contents.
    pub(crate) fn as_slice(&self) -> &[T] {
        // SAFETY: `ptr` is valid for `len` bytes and owned by `self`; `T` is `u8` only when
        // they are initialised (type invariants).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The contents, writable.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: As in `as_slice`; `&mut self` makes the access exclusive, and writing a `T`
        // keeps the bytes initialised when `T` is `u8`.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// The physical address of byte `offset`, by the kernel's `virt_to_phys`.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `offset >= len`.
    pub(crate) fn phys_addr(&self, offset: usize) -> Result<u64> {
        if offset >= self.len {
            return Err(EINVAL);
        }
        // SAFETY: kmalloc memory is in the direct map, the domain of `virt_to_phys`; the
        // address is inside the allocation (checked above) and nothing is dereferenced.
        Ok(unsafe { generated::virt_to_phys(self.ptr.as_ptr().cast::<u8>().add(offset).cast()) })
    }
}

impl KmallocBuf<MaybeUninit<u8>> {
    /// `kmalloc(len, gfp)`: contents undefined until written.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `len == 0`, `len > KMALLOC_MAX_SIZE`, or a flag kmalloc's allow-list
    /// lacks (see [`crate::mm::gfp_policy`]); `ENOMEM` when kmalloc fails.
    pub(crate) fn new_uninit(len: usize, gfp: Gfp) -> Result<Self> {
        check_len(len)?;
        gfp.check_for(Family::Kmalloc)?;
        // SAFETY: Any size up to KMALLOC_MAX_SIZE (checked) and any `Gfp` kmalloc's allow-list
        // accepts (checked) are valid arguments; `gfp` decides whether it sleeps.
        let ptr = unsafe { generated::memlab_kmalloc(len, gfp.as_raw()) };
        // SAFETY: `ptr` is kmalloc's fresh answer for `len` bytes, `len` was checked above.
        unsafe { Self::from_raw(ptr, len) }
    }

    /// `kmalloc_array(n, size, gfp)`: `n * size` bytes, contents undefined until written.
    ///
    /// # Errors
    ///
    /// `EOVERFLOW` when `n * size` overflows; otherwise as [`Self::new_uninit`].
    pub(crate) fn array_uninit(n: usize, size: usize, gfp: Gfp) -> Result<Self> {
        let len = array_len(n, size)?;
        gfp.check_for(Family::Kmalloc)?;
        // SAFETY: As in `new_uninit`; `n * size` does not overflow.
        let ptr = unsafe { generated::memlab_kmalloc_array(n, size, gfp.as_raw()) };
        // SAFETY: `ptr` is the fresh answer for `n * size == len` bytes, checked above.
        unsafe { Self::from_raw(ptr, len) }
    }

    /// Keeps the bytes the allocator left (stale data, slab poison) and makes them readable
    /// (see [`byte::freeze`]); the contents are then defined.
    pub(crate) fn freeze(mut self) -> KmallocBuf {
        byte::freeze(self.as_mut_slice());
        let this = ManuallyDrop::new(self);
        // INVARIANT: Same allocation, every byte now initialised (`freeze`); `this` is not
        // dropped, so ownership moves to the new value.
        KmallocBuf {
            ptr: this.ptr.cast(),
            len: this.len,
        }
    }

    /// Sets every byte to `byte`; the contents are then defined.
    pub(crate) fn fill(mut self, byte: u8) -> KmallocBuf {
        self.as_mut_slice().fill(MaybeUninit::new(byte));
        self.freeze()
    }
}

impl KmallocBuf {
    /// `kzalloc(len, gfp)`: zeroed contents.
    ///
    /// # Errors
    ///
    /// As [`KmallocBuf::new_uninit`].
    pub(crate) fn zeroed(len: usize, gfp: Gfp) -> Result<Self> {
        check_len(len)?;
        gfp.check_for(Family::Kmalloc)?;
        // SAFETY: As in `new_uninit`.
        let ptr = unsafe { generated::memlab_kzalloc(len, gfp.as_raw()) };
        // SAFETY: `ptr` is kzalloc's fresh answer for `len` zeroed bytes, `len` checked above.
        unsafe { Self::from_raw(ptr, len) }
    }

    /// `kcalloc(n, size, gfp)`: `n * size` zeroed bytes.
    ///
    /// # Errors
    ///
    /// As [`KmallocBuf::array_uninit`].
    pub(crate) fn zeroed_array(n: usize, size: usize, gfp: Gfp) -> Result<Self> {
        let len = array_len(n, size)?;
        gfp.check_for(Family::Kmalloc)?;
        // SAFETY: As in `new_uninit`; `n * size` does not overflow.
        let ptr = unsafe { generated::memlab_kcalloc(n, size, gfp.as_raw()) };
        // SAFETY: `ptr` is kcalloc's fresh answer for `len` zeroed bytes, checked above.
        unsafe { Self::from_raw(ptr, len) }
    }
}

impl<T: Byte> KmallocBuf<T> {
    /// `krealloc(self, new_len, gfp)`: keeps the first `min(len, new_len)` bytes. Bytes added by
    /// growing are zeroed in a `KmallocBuf` (of `u8`, whose bytes are all defined), and left as
    /// krealloc gives them in a `KmallocBuf<MaybeUninit<u8>>`.
    ///
    /// # Errors
    ///
    /// As [`KmallocBuf::new_uninit`]; on error `self` is unchanged (krealloc leaves the old
    /// allocation alone when it fails).
    pub(crate) fn resize(&mut self, new_len: usize, gfp: Gfp) -> Result {
        check_len(new_len)?;
        gfp.check_for(Family::Kmalloc)?;
        let old = self.ptr.as_ptr().cast();
        // SAFETY: `old` is a live kmalloc allocation (type invariant); on success krealloc frees
        // or reuses it, on failure it is untouched.
        let ptr = unsafe { generated::memlab_krealloc(old, new_len, gfp.as_raw()) };
        let ptr = NonNull::new(ptr.cast::<u8>()).ok_or(ENOMEM)?;
        if T::INITIALISED && new_len > self.len {
            // SAFETY: krealloc returned at least `new_len` bytes, so `self.len..new_len` is
            // inside the allocation; nothing else refers to it yet.
            unsafe {
                ptr.as_ptr()
                    .add(self.len)
                    .write_bytes(0, new_len - self.len)
            };
        }
        // INVARIANT: krealloc returned a live allocation of at least `new_len` bytes (checked
        // above) and consumed the old one; the first `min(len, new_len)` bytes were copied, and
        // when `T` is `u8` (`INITIALISED`) the rest was zeroed just above, so all `new_len` bytes
        // are initialised.
        self.ptr = ptr.cast();
        self.len = new_len;
        Ok(())
    }
}

impl<T: Byte> Drop for KmallocBuf<T> {
    fn drop(&mut self) {
        // SAFETY: `self.ptr` is a live kmalloc allocation owned by `self` (type invariant); it
        // is freed once, here, and `self` is gone afterwards.
        unsafe { bindings::kfree(self.ptr.as_ptr().cast()) };
    }
}

#[kunit_tests(memlab_kmalloc)]
mod tests {
    use super::*;
    use crate::mm::{
        fault,
        testing, //
    };
    use kernel::page::PAGE_SIZE;

    type Uninit = KmallocBuf<MaybeUninit<u8>>;

    #[test]
    fn ksize_reports_the_bucket() -> Result {
        // The smallest bucket: 8 bytes on x86_64, a cache line (64) on arm.
        // CAST: The minimum is a few bytes.
        let smallest = crate::shim::facts().kmalloc_min_size as usize;
        assert_eq!(Uninit::new_uninit(1, Gfp::KERNEL)?.ksize(), smallest);
        assert_eq!(Uninit::new_uninit(100, Gfp::KERNEL)?.ksize(), 128);
        assert_eq!(Uninit::new_uninit(4096, Gfp::KERNEL)?.ksize(), 4096);
        assert_eq!(Uninit::new_uninit(4097, Gfp::KERNEL)?.ksize(), 8192);
        assert_eq!(Uninit::new_uninit(100, Gfp::ATOMIC)?.ksize(), 128);
        Ok(())
    }

    #[test]
    fn bad_sizes_are_errors() {
        let max = MAX_SIZE;
        assert_eq!(Uninit::new_uninit(0, Gfp::KERNEL).err(), Some(EINVAL));
        assert_eq!(Uninit::new_uninit(max + 1, Gfp::KERNEL).err(), Some(EINVAL));
        assert_eq!(KmallocBuf::zeroed(max + 1, Gfp::KERNEL).err(), Some(EINVAL));
        assert_eq!(
            Uninit::array_uninit(usize::MAX, 2, Gfp::KERNEL).err(),
            Some(EOVERFLOW)
        );
        assert_eq!(
            KmallocBuf::zeroed_array(0, 8, Gfp::KERNEL).err(),
            Some(EINVAL)
        );
    }

    #[test]
    fn the_kernel_agrees_one_byte_over_the_limit_fails() {
        // memlab refuses `MAX_SIZE + 1` itself (above); this asks the kernel directly, with
        // `__GFP_NOWARN`, to prove the limit is the kernel's and that it fails cleanly there.
        let gfp = Gfp::KERNEL | Gfp::NOWARN;
        // SAFETY: Any size and flags are valid arguments to kmalloc.
        let ptr = unsafe { generated::memlab_kmalloc(MAX_SIZE + 1, gfp.as_raw()) };
        assert!(ptr.is_null());
    }

    #[test]
    fn injected_failures_are_enomem() -> Result {
        let Some(result) =
            testing::fail_nth(1, || Uninit::new_uninit(100, Gfp::KERNEL | Gfp::NOWARN))
        else {
            return Ok(());
        };
        assert_eq!(result.err(), Some(ENOMEM));

        // A failed krealloc leaves the buffer as it was.
        let mut buf = Uninit::new_uninit(16, Gfp::KERNEL)?.fill(7);
        let (result, injected) =
            fault::run_failing(1, || buf.resize(200, Gfp::KERNEL | Gfp::NOWARN)).ok_or(EINVAL)?;
        assert!(injected);
        assert_eq!(result.err(), Some(ENOMEM));
        assert_eq!(buf.len(), 16);
        assert!(buf.as_slice().iter().all(|&b| b == 7));
        Ok(())
    }

    #[test]
    fn the_largest_size_works_and_is_contiguous() -> Result {
        let buf = Uninit::new_uninit(MAX_SIZE, Gfp::KERNEL | Gfp::NOWARN)?;
        let base = buf.phys_addr(0)?;
        for offset in (0..buf.len()).step_by(PAGE_SIZE) {
            // CAST: `usize` fits `u64`.
            assert_eq!(buf.phys_addr(offset)?, base + offset as u64);
        }
        assert_eq!(buf.phys_addr(buf.len()).err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn zeroed_buffers_are_zero() -> Result {
        assert!(KmallocBuf::zeroed(3000, Gfp::KERNEL)?
            .as_slice()
            .iter()
            .all(|&b| b == 0));
        let array = KmallocBuf::zeroed_array(100, 30, Gfp::KERNEL)?;
        assert_eq!(array.len(), 3000);
        assert!(array.as_slice().iter().all(|&b| b == 0));
        Ok(())
    }

    #[test]
    fn resize_keeps_the_contents_and_zeroes_the_rest() -> Result {
        let mut buf = Uninit::new_uninit(64, Gfp::KERNEL)?.fill(0);
        for (i, byte) in buf.as_mut_slice().iter_mut().enumerate() {
            // CAST: `i < 64`.
            *byte = i as u8;
        }
        buf.resize(5000, Gfp::KERNEL)?;
        assert_eq!(buf.len(), 5000);
        assert!(buf.as_slice()[..64]
            .iter()
            .enumerate()
            .all(|(i, &b)| b as usize == i));
        assert!(buf.as_slice()[64..].iter().all(|&b| b == 0));
        buf.resize(16, Gfp::KERNEL)?;
        assert!(buf
            .as_slice()
            .iter()
            .enumerate()
            .all(|(i, &b)| b as usize == i));
        assert_eq!(buf.resize(0, Gfp::KERNEL).err(), Some(EINVAL));
        assert_eq!(buf.len(), 16);
        Ok(())
    }

    #[test]
    fn an_uninit_buffer_grows_keeping_what_was_written() -> Result {
        let mut buf = Uninit::new_uninit(64, Gfp::KERNEL)?;
        for (i, byte) in buf.as_mut_slice().iter_mut().enumerate() {
            // CAST: `i < 64`.
            *byte = MaybeUninit::new(i as u8);
        }
        buf.resize(5000, Gfp::KERNEL)?;
        assert_eq!(buf.len(), 5000);
        let buf = buf.freeze();
        assert!(buf.as_slice()[..64]
            .iter()
            .enumerate()
            .all(|(i, &b)| b as usize == i));
        Ok(())
    }

    #[test]
    fn gfp_dma_is_inside_zone_dma() -> Result {
        let Some(dma_zone_end) = crate::shim::facts().dma_zone_end else {
            testing::skip(c"this kernel has no ZONE_DMA");
            return Ok(());
        };
        let buf = Uninit::new_uninit(512, Gfp::KERNEL | Gfp::DMA)?;
        assert!(buf.phys_addr(511)? < dma_zone_end);
        Ok(())
    }

    #[test]
    fn flags_kmalloc_cannot_honour_are_refused() {
        assert_eq!(
            Uninit::new_uninit(64, Gfp::KERNEL | Gfp::DMA32).err(),
            Some(EINVAL)
        );
        assert_eq!(
            KmallocBuf::zeroed(64, Gfp::KERNEL | Gfp::HIGHMEM).err(),
            Some(EINVAL)
        );
        assert_eq!(
            KmallocBuf::zeroed(64, Gfp::KERNEL | Gfp::NOFAIL).err(),
            Some(EINVAL)
        );
    }

    #[test]
    fn atomic_allocations_work() -> Result {
        let buf = KmallocBuf::zeroed(256, Gfp::ATOMIC)?;
        assert_eq!(buf.len(), 256);
        Ok(())
    }
}
