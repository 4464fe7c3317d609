// SPDX-License-Identifier: GPL-2.0

//! Coherent DMA memory: `dma_alloc_coherent` / `dma_free_coherent` (`dma_alloc_attrs` /
//! `dma_free_attrs`, see [`include/linux/dma-mapping.h`](srctree/include/linux/dma-mapping.h)).
//!
//! A [`DmaCoherent`] is a buffer both the CPU and a device can reach: it has a kernel address and
//! a bus address (`dma_addr_t`) for the device, and it is zeroed at allocation. It borrows the
//! device it was allocated for ([`DmaDevice`]), so it is freed before that device can be unbound
//! (dma_free_coherent needs a live, bound device). The owned form, for buffers kept across calls,
//! is `DmaCoherent<'static>` from [`DmaCoherent::new_kept`]: its driver keeps it and frees it
//! when the device is unbound (see [`crate::edu`]), so its users hold a revocable ticket, never
//! the buffer. Reading or writing the bytes needs `&mut`
//! access, and a device transfer (see [`crate::edu`]) takes the buffer by `&mut` until the device
//! is done, so the CPU and the device never touch the bytes at the same time.
//!
//! The `kernel` crate's peer is `dma::Coherent<T>`, tied to a `Device<Bound>` in the same way.

use core::{
    marker::PhantomData,
    ptr::NonNull, //
};

use kernel::{
    bindings,
    prelude::*, //
};

use crate::mm::{
    gfp::Gfp,
    gfp_policy::Family, //
};

/// A device that can do DMA, bound to a driver, with its DMA masks set.
///
/// # Safety
///
/// For as long as `&self` lives, [`DmaDevice::as_raw_device`] returns a valid `struct device`
/// bound to its driver, whose DMA mask and coherent mask are set.
pub(crate) unsafe trait DmaDevice {
    /// The `struct device`.
    fn as_raw_device(&self) -> *mut bindings::device;
}

/// The largest coherent buffer memlab asks for: one block of the page allocator's largest order
/// (`PAGE_SIZE << MAX_PAGE_ORDER`). dma-direct serves a coherent buffer from one page block, and
/// larger sizes fail with a WARN (or wrap in `PAGE_ALIGN` near `usize::MAX`).
pub(crate) const MAX_LEN: usize = kernel::page::PAGE_SIZE << bindings::MAX_PAGE_ORDER;

/// What [`DmaCoherent::new`] checks before `dma_alloc_attrs` (the benchmarks' C loop too):
/// `1 <= len <= MAX_LEN` and the DMA allow-list; and, for flags that may sleep, `might_sleep()`.
///
/// # Errors
///
/// `EINVAL` for a length or a flag refused.
pub(crate) fn check_alloc(len: usize, gfp: Gfp) -> Result {
    if len == 0 || len > MAX_LEN {
        return Err(EINVAL);
    }
    gfp.check_for(Family::DmaCoherent)?;
    if gfp.may_sleep() {
        // `dma_alloc_attrs` does not announce a sleep at its entry, as the allocators do (see
        // `Gfp::check_for`).
        kernel::task::might_sleep();
    }
    Ok(())
}

/// A coherent DMA buffer, freed on drop.
///
/// # Context
///
/// Dropping frees with `dma_free_attrs`, which must run with interrupts enabled (it WARNs
/// otherwise) and may sleep (the memory may come from CMA or need remapping): drop it in process
/// context, never under a spinlock. `drop` calls `might_sleep()` first, so
/// `CONFIG_DEBUG_ATOMIC_SLEEP` reports every misuse, not only those with interrupts off.
///
/// # Invariants
///
/// - `cpu` and `handle` are what `dma_alloc_attrs(dev, len, ..., 0)` returned, not yet freed,
///   owned by `self`; `len >= 1`; all `len` bytes are initialised (the allocator zeroes).
/// - `dev` is the device of a [`DmaDevice`], bound with its masks set for as long as `self`
///   lives: borrowed for `'d`, or (`'static`, [`DmaCoherent::new_kept`]) kept bound by the
///   caller's promise.
pub(crate) struct DmaCoherent<'d> {
    dev: *mut bindings::device,
    cpu: NonNull<u8>,
    handle: bindings::dma_addr_t,
    len: usize,
    _device: PhantomData<&'d ()>,
}

// SAFETY: The buffer is owned exclusively; `dma_free_attrs` may run on any thread (in the context
// the type's docs require); the device pointer is only passed back to the DMA API.
unsafe impl Send for DmaCoherent<'_> {}

// SAFETY: Shared access gives no access to the bytes (only `len`, `dma_handle`).
unsafe impl Sync for DmaCoherent<'_> {}

impl<'d> DmaCoherent<'d> {
    /// `dma_alloc_coherent(dev, len, &handle, gfp)`: `len` zeroed bytes the device can reach.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `len == 0`, `len > MAX_LEN`, or a flag the DMA allow-list lacks (zone
    /// modifiers: the DMA API picks the zone from the device's mask and drops them;
    /// `__GFP_COMP`: a WARN; see [`crate::mm::gfp_policy`]); `ENOMEM` when the allocation fails.
    pub(crate) fn new(device: &'d impl DmaDevice, len: usize, gfp: Gfp) -> Result<Self> {
        // SAFETY: `device` is borrowed for `'d`, the buffer's lifetime, so it stays bound with its
        // masks set for as long as the buffer lives (`DmaDevice`).
        unsafe { Self::alloc(device.as_raw_device(), len, gfp) }
    }

    /// # Safety
    ///
    /// `dev` is a device bound to its driver, with its DMA masks set, and stays bound until the
    /// result is dropped.
    unsafe fn alloc(dev: *mut bindings::device, len: usize, gfp: Gfp) -> Result<Self> {
        check_alloc(len, gfp)?;
        let mut handle: bindings::dma_addr_t = 0;
        // SAFETY:
        // - `dev` is a bound device with its masks set, while the buffer lives (function safety
        //   requirement);
        // - `1 <= len <= MAX_LEN` (checked), so no size computation wraps;
        // - `handle` is a valid place to write the bus address;
        // - `gfp` holds only flags the DMA API accepts (no zone modifier, no `__GFP_COMP`,
        //   checked); whether it may sleep is the caller's choice of `gfp`.
        let cpu = unsafe { bindings::dma_alloc_attrs(dev, len, &mut handle, gfp.as_raw(), 0) };
        let cpu = NonNull::new(cpu.cast::<u8>()).ok_or(ENOMEM)?;
        // INVARIANT: A fresh, zeroed coherent buffer of `len` bytes for `dev`, which the caller
        // keeps bound while it lives.
        Ok(Self {
            dev,
            cpu,
            handle,
            len,
            _device: PhantomData,
        })
    }

    /// The size in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The CPU's address of the first byte.
    pub(crate) fn addr(&self) -> usize {
        // CAST: pointer to address.
        self.cpu.as_ptr() as usize
    }

    /// The bus address the device uses for the first byte.
    pub(crate) fn dma_handle(&self) -> u64 {
        self.handle
    }

    /// Whether this buffer was allocated for `device` (its bus address means nothing to others).
    pub(crate) fn is_for(&self, device: &impl DmaDevice) -> bool {
        self.dev == device.as_raw_device()
    }

    /// The bytes, as the CPU sees them.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: `cpu` is valid for `len` initialised bytes owned by `self` (type invariant);
        // `&mut self` excludes every other CPU access and every device transfer (which needs
        // `&mut self` too).
        unsafe { core::slice::from_raw_parts_mut(self.cpu.as_ptr(), self.len) }
    }
}

impl DmaCoherent<'static> {
    /// `dma_alloc_coherent` for a buffer that the driver of `device` keeps across calls, tied to
    /// the binding rather than to a borrow: the owned form (see [`crate::edu`], which keeps the
    /// buffers of the lab and frees them when the device is unbound).
    ///
    /// # Errors
    ///
    /// As [`DmaCoherent::new`].
    ///
    /// # Safety
    ///
    /// The caller drops the buffer while `device` is still bound to its driver (at the latest in
    /// the driver's unbind, before the device goes).
    pub(crate) unsafe fn new_kept(device: &impl DmaDevice, len: usize, gfp: Gfp) -> Result<Self> {
        // SAFETY: `device` is bound with its masks set now (`DmaDevice`), and the caller keeps it
        // bound until the buffer is dropped.
        unsafe { Self::alloc(device.as_raw_device(), len, gfp) }
    }
}

impl Drop for DmaCoherent<'_> {
    fn drop(&mut self) {
        // See "Context" on the type: report a drop in atomic context at every drop.
        kernel::task::might_sleep();
        // SAFETY: `cpu`/`handle` came from `dma_alloc_attrs` for `dev` with `len` bytes and are
        // owned by `self`; `dev` is still bound (type invariant); no transfer is running (it
        // would hold `&mut self`). Freed once, here.
        unsafe {
            bindings::dma_free_attrs(self.dev, self.len, self.cpu.as_ptr().cast(), self.handle, 0)
        };
    }
}
