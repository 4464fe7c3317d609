// SPDX-License-Identifier: GPL-2.0

//! Device memory: `request_mem_region` + `ioremap` / `iounmap` + `release_mem_region`, with typed,
//! bounds-checked register access (`readl`/`writel`, `readq`/`writeq`).
//!
//! [`IoMapping::new`] first claims the physical range in the kernel's iomem resource tree (so no
//! other driver maps it at the same time, and it shows in `/proc/iomem` under memlab's name),
//! then maps it uncached. It refuses any range that touches System RAM with `EINVAL` before the
//! kernel would (x86's ioremap refuses RAM too, but with a WARN). Register offsets are checked
//! against the mapping's size and the access width, so safe code cannot reach outside it.
//!
//! The `kernel` crate's peer is `io::mem::IoMem`, which needs a platform device's resource;
//! memlab's mapping takes any physical MMIO range (a PCI BAR, see [`crate::edu`]).

use core::ptr::NonNull;

use kernel::{
    bindings,
    error::to_result,
    prelude::*, //
};

use crate::shim::generated;

/// A mapped range of device memory; unmapped and released on drop.
///
/// # Invariants
///
/// - `[start, start + len)` was claimed with `request_mem_region` by `self` and holds no RAM.
/// - `addr` is what `ioremap(start, len)` returned, not yet unmapped.
pub(crate) struct IoMapping {
    addr: NonNull<kernel::ffi::c_void>,
    start: u64,
    len: usize,
}

// SAFETY: MMIO accessors may be used from any thread; `iounmap` and `release_mem_region` too.
unsafe impl Send for IoMapping {}

// SAFETY: Each register access is a single `readl`/`writel`-style instruction; concurrent
// accesses are the device's business, not a data race on Rust-visible memory.
unsafe impl Sync for IoMapping {}

impl IoMapping {
    /// Claims `[start, start + len)` under `name` and maps it. Sleeps.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `len == 0`, a range that wraps, or a range that touches System RAM;
    /// `EBUSY` if another owner claimed (part of) it; `ENOMEM` if the claim or `ioremap` cannot
    /// allocate.
    pub(crate) fn new(start: u64, len: usize, name: &'static CStr) -> Result<Self> {
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
        // SAFETY: The range is ours (claimed above) and is not RAM.
        let Some(addr) = NonNull::new(unsafe { bindings::ioremap(start, len) }) else {
            // SAFETY: Claimed just above by us; released once, here.
            unsafe { generated::memlab_release_mem_region(start, len) };
            return Err(ENOMEM);
        };
        // INVARIANT: Claimed, checked not to be RAM, and mapped at `addr`.
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

    /// The register at `offset`, `size` bytes wide, if it lies inside and is naturally aligned.
    fn register(&self, offset: usize, size: usize) -> Result<*mut kernel::ffi::c_void> {
        let end = offset.checked_add(size).ok_or(EINVAL)?;
        if end > self.len || offset % size != 0 {
            return Err(EINVAL);
        }
        // SAFETY: `offset + size <= len`, so the result stays inside the mapping.
        Ok(unsafe { self.addr.as_ptr().cast::<u8>().add(offset) }.cast())
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
    /// As [`IoMapping::read32`].
    pub(crate) fn write32(&self, offset: usize, value: u32) -> Result {
        let register = self.register(offset, 4)?;
        // SAFETY: As in `read32`.
        unsafe { bindings::writel(value, register) };
        Ok(())
    }

    /// `readq` at `offset`.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the 8 bytes at `offset` are not inside the mapping or not aligned.
    pub(crate) fn read64(&self, offset: usize) -> Result<u64> {
        let register = self.register(offset, 8)?;
        // SAFETY: `register` is an aligned 64-bit location inside the live mapping.
        Ok(unsafe { bindings::readq(register) })
    }

    /// `writeq` of `value` at `offset`.
    ///
    /// # Errors
    ///
    /// As [`IoMapping::read64`].
    pub(crate) fn write64(&self, offset: usize, value: u64) -> Result {
        let register = self.register(offset, 8)?;
        // SAFETY: As in `read64`.
        unsafe { bindings::writeq(value, register) };
        Ok(())
    }
}

impl Drop for IoMapping {
    fn drop(&mut self) {
        // SAFETY: `addr` is a live `ioremap` mapping owned by `self` (type invariant); unmapped
        // once, here.
        unsafe { bindings::iounmap(self.addr.as_ptr()) };
        // SAFETY: The range was claimed by `self` (type invariant); released once, here, after
        // the mapping is gone.
        unsafe { generated::memlab_release_mem_region(self.start, self.len) };
    }
}

#[kunit_tests(memlab_ioremap)]
mod tests {
    use super::*;
    use crate::{edu, gfp::Gfp, pages::Pages, testing};

    /// The HPET of QEMU's PC machine: MMIO that no driver claims in memlab's VM (it boots with
    /// `acpi=off`, and the HPET is found through ACPI).
    const HPET: u64 = 0xfed0_0000;
    /// The HPET's period register (upper half of the capabilities): femtoseconds per tick.
    const HPET_PERIOD: usize = 0x4;

    #[test]
    fn ram_is_refused() -> Result {
        let page = Pages::zeroed(0, Gfp::KERNEL)?;
        let phys = page.placement().phys;
        assert_eq!(
            IoMapping::new(phys, 4096, c"memlab-test").err(),
            Some(EINVAL)
        );
        // 1 MiB: where the PC's main System RAM range begins.
        assert_eq!(
            IoMapping::new(0x10_0000, 4096, c"memlab-test").err(),
            Some(EINVAL)
        );
        Ok(())
    }

    #[test]
    fn hpet_answers_and_mapping_failures_are_enomem() -> Result {
        let hpet = match IoMapping::new(HPET, 1024, c"memlab-test") {
            Err(EBUSY) => {
                testing::skip(c"the HPET is claimed by its driver here");
                return Ok(());
            }
            result => result?,
        };
        // QEMU's HPET ticks at 100 MHz: 10,000,000 fs per tick.
        assert_eq!(hpet.read32(HPET_PERIOD)?, 10_000_000);
        drop(hpet);
        // Fail each decision point of one ioremap in turn; each failure must be ENOMEM and
        // release the region (the final, uninjected mapping proves it).
        let Some(walk) = testing::fail_each_point(
            64,
            || Ok(()),
            |()| IoMapping::new(HPET, 1024, c"memlab-test"),
        )?
        else {
            return Ok(());
        };
        assert!(walk.errors >= 1);
        assert!(walk.completed);
        Ok(())
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert_eq!(
            IoMapping::new(0xfee0_0000, 0, c"memlab-test").err(),
            Some(EINVAL)
        );
        assert_eq!(
            IoMapping::new(u64::MAX, 2, c"memlab-test").err(),
            Some(EINVAL)
        );
    }

    #[test]
    fn edu_registers_answer() -> Result {
        const VALUES: [u32; 4] = [0, 1, 0x1234_5678, u32::MAX];
        let Some((id, echoes, len, errors, second_mapping)) = testing::observe_edu(|edu| {
            let mut echoes = [0; VALUES.len()];
            for (echo, value) in echoes.iter_mut().zip(VALUES) {
                *echo = edu.liveness(value)?;
            }
            let regs = edu.regs();
            let errors = [
                regs.read32(regs.len()).err(),
                regs.read32(regs.len() - 2).err(),
                regs.read32(2).err(),
                regs.write64(4, 0).err(),
            ];
            // The BAR is claimed: nobody can map it a second time.
            let second_mapping = IoMapping::new(regs.start(), 4096, c"memlab-test").err();
            Ok((edu.id()?, echoes, regs.len(), errors, second_mapping))
        })?
        else {
            return Ok(());
        };
        assert_eq!(id, edu::IDENTIFICATION);
        for (echo, value) in echoes.iter().zip(VALUES) {
            assert_eq!(*echo, !value);
        }
        assert_eq!(len, 1 << 20);
        assert!(errors.iter().all(|error| *error == Some(EINVAL)));
        assert_eq!(second_mapping, Some(EBUSY));
        Ok(())
    }
}
