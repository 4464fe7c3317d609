// SPDX-License-Identifier: GPL-2.0

//! Device memory: `request_mem_region` + `ioremap` / `iounmap` + `release_mem_region`, with typed,
//! bounds-checked register access (`readl`/`writel`, `readq`/`writeq`).
//!
//! [`IoMapping::new`] first claims the physical range in the kernel's iomem resource tree (so no
//! other driver maps it at the same time, and it shows in `/proc/iomem` under memlab's name),
//! then maps it uncached. [`IoMapping::window`] maps part of a claimed range again (a second
//! virtual address for the same registers), as a [`MmioWindow`] that must not outlive the claim
//! (or, safely, as a [`BorrowedWindow`] that cannot). It refuses any range that touches System
//! RAM with `EINVAL` before the kernel would (x86's ioremap refuses RAM too, but with a WARN).
//! Register offsets are checked against the mapping's size and the access width, so safe code
//! cannot reach outside it.
//!
//! Creating a mapping is `unsafe`, and that cannot be avoided: a device's registers can make it
//! write anywhere in memory (a DMA engine such as edu's is programmed by three register writes),
//! so only the caller can promise that the range belongs to a device it drives, or to one that
//! cannot do harm. Everything after that promise is safe.
//!
//! The `kernel` crate's peer is `io::mem::IoMem`, which needs a platform device's resource;
//! memlab's mapping takes any physical MMIO range (a PCI BAR, see [`crate::edu`]).

use core::{
    marker::PhantomData,
    ptr::NonNull, //
};

use kernel::{
    bindings,
    error::to_result,
    prelude::*, //
};

use crate::shim::generated;

/// A range of device memory claimed in the resource tree and mapped; unmapped, then released, on
/// drop. Register access goes through the mapping (it derefs to [`MmioWindow`]).
///
/// # Invariants
///
/// `[window.start(), window.start() + window.len())` was claimed with `request_mem_region` by
/// `_claim` and holds no RAM; `window` maps exactly that range. Fields drop in order: the
/// mapping goes before the claim.
pub(crate) struct IoMapping {
    window: MmioWindow,
    _claim: Claim,
}

/// A claim of a physical range in the kernel's iomem resource tree, released on drop.
///
/// # Invariants
///
/// `[start, start + len)` was claimed with `request_mem_region` by `self`.
struct Claim {
    start: u64,
    len: usize,
}

impl Drop for Claim {
    fn drop(&mut self) {
        // SAFETY: The range was claimed by `self` (type invariant); released once, here.
        unsafe { generated::memlab_release_mem_region(self.start, self.len) };
    }
}

impl IoMapping {
    /// Claims `[start, start + len)` under `name` and maps it. Sleeps.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `len == 0`, a range that wraps, or a range that touches System RAM;
    /// `EBUSY` if another owner claimed (part of) it; `ENOMEM` if the claim or `ioremap` cannot
    /// allocate.
    ///
    /// # Safety
    ///
    /// The returned mapping lets safe code read and write every naturally aligned 32- and 64-bit
    /// location of the range, in any order, as often as it likes. The caller guarantees that
    /// nothing of that can break memory safety or the kernel:
    ///
    /// - No access makes a device write to memory it does not own: the range belongs to a device
    ///   the caller drives (and keeps that promise for whoever it lends the mapping to), or to a
    ///   device that cannot initiate memory writes (no DMA, no bus mastering).
    /// - Every aligned 32-bit (and, where the mapping is used so, 64-bit) access inside the range
    ///   completes: the range is device memory that answers such accesses, with no holes that
    ///   raise a bus error or machine check, and no register whose read side effects (clear on
    ///   read, FIFO pops) another driver depends on.
    /// - No other code relies on exclusive access to these registers while the mapping lives
    ///   (the claim in the resource tree keeps other memlab mappings and well-behaved drivers
    ///   out; the caller answers for code that maps without claiming).
    pub(crate) unsafe fn new(start: u64, len: usize, name: &'static CStr) -> Result<Self> {
        // CAST: `usize` fits `u64`.
        if len == 0 || start.checked_add(len as u64).is_none() {
            return Err(EINVAL);
        }
        kernel::task::might_sleep();
        // SAFETY: `region_intersects` only walks the resource tree; any range is valid.
        if unsafe { generated::memlab_region_has_ram(start, len) } {
            return Err(EINVAL);
        }
        // SAFETY: The range is valid (checked above); `name` is static, as the resource tree
        // keeps the pointer until the region is released.
        to_result(unsafe { generated::memlab_request_mem_region(start, len, name.as_char_ptr()) })?;
        // INVARIANT: Claimed just above; released when `claim` is dropped (on the error below
        // too).
        let claim = Claim { start, len };
        // SAFETY: The range is ours (claimed above) and is not RAM.
        let window = unsafe { MmioWindow::map(start, len) }?;
        // INVARIANT: Claimed, checked not to be RAM, and mapped by `window`.
        Ok(Self {
            window,
            _claim: claim,
        })
    }

    /// Maps `len` bytes from `offset` of the claimed range a second time, with `ioremap`: a
    /// window of the same registers at another virtual address, under this mapping's claim.
    /// Sleeps.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `len == 0` or a range outside this mapping; `ENOMEM` if `ioremap` cannot
    /// allocate.
    ///
    /// # Safety
    ///
    /// The window must be dropped before `self`: it relies on `self`'s claim of the range, and
    /// on the promises made to [`IoMapping::new`], which hold for the window's accesses too.
    pub(crate) unsafe fn window(&self, offset: usize, len: usize) -> Result<MmioWindow> {
        let start = self.subrange(offset, len)?;
        kernel::task::might_sleep();
        // SAFETY: Inside the range `self` claimed, which is not RAM; the caller keeps the window
        // within the claim's life.
        unsafe { MmioWindow::map(start, len) }
    }
}

impl IoMapping {
    /// The physical start of `len` bytes at `offset` of the claimed range (what a window maps).
    ///
    /// # Errors
    ///
    /// `EINVAL` for `len == 0` or a range outside this mapping.
    pub(crate) fn subrange(&self, offset: usize, len: usize) -> Result<u64> {
        let end = offset.checked_add(len).ok_or(EINVAL)?;
        if len == 0 || end > self.len() {
            return Err(EINVAL);
        }
        // CAST: `usize` fits `u64`; `start + offset` lies inside the claimed range.
        Ok(self.start() + offset as u64)
    }

    /// [`IoMapping::window`] as a borrow: the window cannot outlive this mapping, so no promise
    /// is left to the caller. Sleeps.
    ///
    /// # Errors
    ///
    /// As [`IoMapping::window`].
    pub(crate) fn borrow_window(&self, offset: usize, len: usize) -> Result<BorrowedWindow<'_>> {
        // SAFETY: The window borrows `self`, so it is dropped before `self` and its claim; its
        // accesses are those of `self`, under the promises made to `IoMapping::new`.
        let window = unsafe { self.window(offset, len) }?;
        Ok(BorrowedWindow {
            window,
            _mapping: PhantomData,
        })
    }
}

/// A second mapping of part of an [`IoMapping`]'s range that lives no longer than the mapping
/// (see [`IoMapping::borrow_window`]); unmapped on drop. Register access as the mapping's.
pub(crate) struct BorrowedWindow<'a> {
    window: MmioWindow,
    _mapping: PhantomData<&'a IoMapping>,
}

impl core::ops::Deref for BorrowedWindow<'_> {
    type Target = MmioWindow;

    fn deref(&self) -> &MmioWindow {
        &self.window
    }
}

impl core::ops::Deref for IoMapping {
    type Target = MmioWindow;

    fn deref(&self) -> &MmioWindow {
        &self.window
    }
}

/// A mapping of device memory (`ioremap`), with bounds-checked, naturally aligned register
/// access; unmapped on drop. It claims nothing: an [`IoMapping`] holds the claim, and every
/// window over its range is made by [`IoMapping::window`].
///
/// # Context
///
/// Dropping calls `iounmap`, which frees a vmalloc-area range and may sleep: drop it in process
/// context. `drop` calls `might_sleep()` first, so `CONFIG_DEBUG_ATOMIC_SLEEP` reports a drop in
/// atomic context every time.
///
/// # Invariants
///
/// `addr` is what `ioremap(start, len)` returned, not yet unmapped; the range is device memory
/// whose every aligned 32- and 64-bit access is allowed (the promises of [`IoMapping::new`]).
pub(crate) struct MmioWindow {
    addr: NonNull<kernel::ffi::c_void>,
    start: u64,
    len: usize,
}

// SAFETY: MMIO accessors may be used from any thread; `iounmap` too (in the context the type's
// docs require).
unsafe impl Send for MmioWindow {}

// SAFETY: Each register access is a single `readl`/`writel`-style instruction; concurrent
// accesses are the device's business, not a data race on Rust-visible memory.
unsafe impl Sync for MmioWindow {}

impl MmioWindow {
    /// `ioremap(start, len)`.
    ///
    /// # Safety
    ///
    /// `[start, start + len)` is device memory, not RAM, claimed by the caller (or by an
    /// [`IoMapping`] that outlives the result), and meets the promises of [`IoMapping::new`].
    unsafe fn map(start: u64, len: usize) -> Result<Self> {
        // SAFETY: Guaranteed by the caller.
        let addr = NonNull::new(unsafe { bindings::ioremap(start, len) }).ok_or(ENOMEM)?;
        // INVARIANT: Mapped at `addr`; the caller vouched for the range.
        Ok(Self { addr, start, len })
    }

    /// The physical address of the first byte.
    pub(crate) fn start(&self) -> u64 {
        self.start
    }

    /// The size of the mapping in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The mapping's virtual address.
    pub(crate) fn addr(&self) -> usize {
        // CAST: pointer to address.
        self.addr.as_ptr() as usize
    }

    /// The register at `offset`, `size` bytes wide, if it lies inside the mapping and its
    /// address is naturally aligned. The address is what counts, not the offset: a mapping may
    /// start at any byte, and a misaligned MMIO access is split or faults depending on the bus.
    fn register(&self, offset: usize, size: usize) -> Result<*mut kernel::ffi::c_void> {
        let end = offset.checked_add(size).ok_or(EINVAL)?;
        if end > self.len {
            return Err(EINVAL);
        }
        // SAFETY: `offset + size <= len`, so the result stays inside the mapping.
        let register = unsafe { self.addr.as_ptr().cast::<u8>().add(offset) };
        // CAST: pointer to address, for the alignment check only.
        if register as usize % size != 0 {
            return Err(EINVAL);
        }
        Ok(register.cast())
    }

    /// `readl` at `offset`.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the 4 bytes at `offset` are not inside the mapping or not aligned.
    pub(crate) fn read32(&self, offset: usize) -> Result<u32> {
        let register = self.register(offset, 4)?;
        // SAFETY: `register` is an aligned 32-bit location inside the live mapping.
        Ok(unsafe { bindings::readl(register) })
    }

    /// `writel` of `value` at `offset`.
    ///
    /// # Errors
    ///
    /// As [`MmioWindow::read32`].
    pub(crate) fn write32(&self, offset: usize, value: u32) -> Result {
        let register = self.register(offset, 4)?;
        // SAFETY: As in `read32`.
        unsafe { bindings::writel(value, register) };
        Ok(())
    }

    /// `readq` at `offset` (64-bit kernels only: 32-bit ones have no `readq`).
    ///
    /// # Errors
    ///
    /// `EINVAL` if the 8 bytes at `offset` are not inside the mapping or not aligned.
    #[cfg(CONFIG_64BIT)]
    pub(crate) fn read64(&self, offset: usize) -> Result<u64> {
        let register = self.register(offset, 8)?;
        // SAFETY: `register` is an aligned 64-bit location inside the live mapping.
        Ok(unsafe { bindings::readq(register) })
    }

    /// `writeq` of `value` at `offset` (64-bit kernels only).
    ///
    /// # Errors
    ///
    /// As [`MmioWindow::read64`].
    #[cfg(CONFIG_64BIT)]
    pub(crate) fn write64(&self, offset: usize, value: u64) -> Result {
        let register = self.register(offset, 8)?;
        // SAFETY: As in `read64`.
        unsafe { bindings::writeq(value, register) };
        Ok(())
    }
}

impl Drop for MmioWindow {
    fn drop(&mut self) {
        // See "Context" on the type.
        kernel::task::might_sleep();
        // SAFETY: `addr` is a live `ioremap` mapping owned by `self` (type invariant); unmapped
        // once, here.
        unsafe { bindings::iounmap(self.addr.as_ptr()) };
    }
}

#[kunit_tests(memlab_ioremap)]
mod tests {
    use super::*;
    use crate::{
        mm::{
            gfp::Gfp,
            pages::Pages,
            testing, //
        },
        shim,
    };

    /// A register block the tests may map: harmless, unclaimed by any driver in memlab's VM, with
    /// a read-only register whose value tells that the mapping reaches the device.
    struct KnownDevice {
        start: u64,
        len: usize,
        /// Offset of the register of known value.
        id_offset: usize,
        id: u32,
    }

    /// This machine's known device, asked of the kernel where it can tell: x86_64 has QEMU's
    /// HPET at its architectural address (found through ACPI, and memlab's VM boots with
    /// `acpi=off`, so no driver uses it); arm's `virt` has a PL031 real-time clock, found in the
    /// device tree (no driver for it is built).
    fn known_device() -> Option<KnownDevice> {
        if cfg!(CONFIG_X86) {
            // The HPET's period register (upper half of the capabilities) reads femtoseconds per
            // tick: QEMU's ticks at 100 MHz.
            return Some(KnownDevice {
                start: 0xfed0_0000,
                len: 1024,
                id_offset: 0x4,
                id: 10_000_000,
            });
        }
        let (mut start, mut len) = (0, 0);
        // SAFETY: Both pointers are valid for writes; the string is NUL-terminated.
        let found =
            unsafe { generated::memlab_of_mmio(c"arm,pl031".as_char_ptr(), &mut start, &mut len) };
        // The PL031's first peripheral ID register reads 0x31 (part number 0x031).
        (found == 0 && len >= 4096).then_some(KnownDevice {
            start,
            len: 4096,
            id_offset: 0xfe0,
            id: 0x31,
        })
    }

    /// Maps the known device's registers from `skip` bytes in to their end; `None` (the test
    /// skipped) where there is none or its driver claimed it.
    fn map_known(skip: usize) -> Result<Option<(IoMapping, KnownDevice)>> {
        let Some(device) = known_device() else {
            testing::skip(c"no known harmless device on this machine");
            return Ok(None);
        };
        // CAST: `usize` fits `u64`.
        let start = device.start + skip as u64;
        // SAFETY: The HPET is a timer and the PL031 a clock: neither can initiate memory writes,
        // whatever its registers are set to; both register blocks answer every aligned 32-bit
        // (the HPET also 64-bit) access; no driver uses them in memlab's VM (see
        // `known_device`), and a driver that did would have claimed the range (EBUSY below).
        match unsafe { IoMapping::new(start, device.len - skip, c"memlab-test") } {
            Err(EBUSY) => {
                testing::skip(c"the device is claimed by its driver here");
                Ok(None)
            }
            mapped => Ok(Some((mapped?, device))),
        }
    }

    /// Asks to map a range that must be refused before anything is mapped.
    fn map_refused(start: u64, len: usize) -> Option<Error> {
        // SAFETY: Only called for ranges `new` refuses (RAM, empty, wrapping): nothing is mapped,
        // so no register is ever accessed.
        unsafe { IoMapping::new(start, len, c"memlab-test") }.err()
    }

    #[test]
    fn ram_is_refused() -> Result {
        let page = Pages::zeroed(0, Gfp::KERNEL)?;
        let phys = page.placement().phys;
        assert_eq!(map_refused(phys, 4096), Some(EINVAL));
        // The first page of the lowest zone (x86_64: 4 KiB; arm's `virt`: 1 GiB).
        let lowest = shim::zones().next().ok_or(EINVAL)?;
        // CAST: PAGE_SIZE fits `u64`.
        let first = lowest.start_pfn * kernel::page::PAGE_SIZE as u64;
        assert_eq!(map_refused(first, 4096), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn the_device_answers_and_mapping_failures_are_enomem() -> Result {
        let Some((device, known)) = map_known(0)? else {
            return Ok(());
        };
        assert_eq!(device.read32(known.id_offset)?, known.id);
        // Accesses outside the mapping or misaligned are refused before the hardware sees them.
        let errors = [
            device.read32(device.len()).err(),
            device.read32(device.len() - 2).err(),
            device.read32(2).err(),
            device.write32(device.len(), 0).err(),
            #[cfg(CONFIG_64BIT)]
            device.write64(known.id_offset, 0).err(),
            #[cfg(CONFIG_64BIT)]
            device.read64(device.len() - 4).err(),
        ];
        assert!(errors.iter().all(|error| *error == Some(EINVAL)));
        drop(device);
        // Fail each decision point of one ioremap in turn; each failure must be ENOMEM and
        // release the region (the final, uninjected mapping proves it).
        let map = |()| map_known(0)?.map(|(device, _)| device).ok_or(ENODEV);
        let Some(walk) = testing::fail_each_point(64, || Ok(()), map)? else {
            return Ok(());
        };
        assert!(walk.errors >= 1);
        assert!(walk.completed);
        Ok(())
    }

    #[test]
    fn alignment_is_checked_on_the_address_not_the_offset() -> Result {
        // A mapping that starts 2 bytes into the device: the register of known value is 2
        // bytes nearer.
        let Some((device, known)) = map_known(2)? else {
            return Ok(());
        };
        assert_eq!(device.read32(known.id_offset - 2)?, known.id);
        assert_eq!(device.read32(0).err(), Some(EINVAL));
        #[cfg(CONFIG_64BIT)]
        assert_eq!(device.read64(known.id_offset - 2).err(), Some(EINVAL));
        assert_eq!(device.write32(1, 0).err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn a_window_maps_the_same_registers_again() -> Result {
        let Some((device, known)) = map_known(0)? else {
            return Ok(());
        };
        // SAFETY: The window is dropped before `device` (its claim), at the end of this scope;
        // the device's promises are those of `map_known`.
        let window = unsafe { device.window(known.id_offset, 8) }?;
        // (`assert!`, not `assert_ne!`: KUnit's macros turn only `assert!` and `assert_eq!` into
        // test failures; any other panic is an Oops.)
        assert!(window.addr() != device.addr() + known.id_offset);
        // CAST: `usize` fits `u64`.
        assert_eq!(window.start(), known.start + known.id_offset as u64);
        assert_eq!(window.read32(0)?, known.id);
        assert_eq!(window.read32(8).err(), Some(EINVAL));
        // SAFETY: Refused before anything is mapped.
        let outside = unsafe { device.window(known.len - 24, 100) }.err();
        // SAFETY: As above.
        let empty = unsafe { device.window(0, 0) }.err();
        assert_eq!((outside, empty), (Some(EINVAL), Some(EINVAL)));
        drop(window);
        Ok(())
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert_eq!(map_refused(0xfee0_0000, 0), Some(EINVAL));
        assert_eq!(map_refused(u64::MAX, 2), Some(EINVAL));
    }
}
