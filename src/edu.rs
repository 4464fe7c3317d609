// SPDX-License-Identifier: GPL-2.0

//! memlab's PCI driver for QEMU's `edu` device: the real hardware behind the ioremap and DMA
//! families (see QEMU's `docs/specs/edu.rst`).
//!
//! The device (vendor 0x1234, device 0x11e8) has one 1 MiB memory BAR of 32-bit registers and a
//! DMA engine that copies up to 4 KiB between RAM and a buffer inside the device. When memlab's
//! driver binds it, it enables the device, sets its DMA masks to the engine's 28 address bits,
//! maps BAR 0 with [`IoMapping`] and checks the identification register. The bound device is
//! kept in one global slot; code reaches it only through [`with`], under the slot's mutex, so a
//! borrow of [`Edu`] (and any [`DmaCoherent`] buffer allocated for it) ends before unbinding can
//! take the device away. Without the device (or with it unbound), [`with`] answers `ENODEV`.
//! What the device keeps for others across calls (the lab's DMA buffers and BAR windows) lives in
//! [`kept`], dropped with the device at unbind.
//!
//! The `kernel` crate's `pci::Vendor` has no constant for QEMU's vendor ID and no public way to
//! make one, so the driver matches edu's PCI class (0x00ff00) and checks vendor and device IDs
//! in `probe`.

use core::ptr;

use kernel::{
    bindings,
    device::{
        Bound,
        Core,
        Device, //
    },
    dma::{
        Device as _,
        DmaMask, //
    },
    pci,
    prelude::*,
    sync::{
        aref::ARef,
        lock::GlobalGuard, //
    },
    time::{
        delay::fsleep,
        Delta, //
    },
};

use crate::mm::{
    baseline,
    dma::{
        DmaCoherent,
        DmaDevice, //
    },
    global::{
        Global,
        OpenGlobal, //
    },
    ioremap::{
        BorrowedWindow,
        IoMapping, //
    },
};

/// QEMU's PCI vendor ID.
const VENDOR_QEMU: u16 = 0x1234;
/// The edu device's PCI device ID.
const DEVICE_EDU: u16 = 0x11e8;
/// What the identification register reads: version 1.0, magic 0xed.
pub(crate) const IDENTIFICATION: u32 = 0x0100_00ed;
/// The DMA engine's address width: edu's default `dma_mask` (28 bits) on x86_64. On arm, the
/// `virt` machine's RAM starts at 1 GiB, out of 28 bits' reach: memlab's VM starts edu there with
/// `dma_mask=0xffffffff` (`scripts/vm`).
#[cfg(not(CONFIG_ARM))]
pub(crate) const DMA_ADDRESS_BITS: u32 = 28;
/// See above.
#[cfg(CONFIG_ARM)]
pub(crate) const DMA_ADDRESS_BITS: u32 = 32;
/// The size of the device's DMA buffer.
pub(crate) const DEVICE_BUFFER_SIZE: usize = 4096;
/// How long a transfer sleeps between two polls of the command register, in milliseconds.
const POLL_MS: i64 = 10;
/// After this many polls (5 s) a transfer says in dmesg that it is still waiting.
const WARN_AFTER_POLLS: u32 = 500;

/// Register offsets in BAR 0 and their bits.
mod regs {
    /// Identification, read-only.
    pub(super) const ID: usize = 0x00;
    /// Liveness check: reads back the bitwise NOT of what was written.
    pub(super) const LIVENESS: usize = 0x04;
    /// Factorial: a write starts computing the factorial of the value, a read gives the result.
    pub(super) const FACTORIAL: usize = 0x08;
    /// DMA source address (64-bit).
    pub(super) const DMA_SOURCE: usize = 0x80;
    /// DMA destination address (64-bit).
    pub(super) const DMA_DESTINATION: usize = 0x88;
    /// DMA transfer count in bytes (64-bit).
    pub(super) const DMA_COUNT: usize = 0x90;
    /// DMA command (64-bit).
    pub(super) const DMA_COMMAND: usize = 0x98;
    /// One past the last register memlab uses: BAR 0 must be at least this long.
    pub(super) const END: usize = 0xa0;
    /// DMA command bit: start; the device clears it when the transfer is done.
    pub(super) const DMA_RUN: u64 = 0x1;
    /// DMA command bit: direction device-to-RAM (clear: RAM-to-device).
    pub(super) const DMA_TO_RAM: u64 = 0x2;
    /// Where the device's DMA buffer sits in the engine's address space.
    pub(super) const DEVICE_BUFFER: u64 = 0x40000;
}

/// The bound edu device.
///
/// # Invariants
///
/// - `pdev` is bound to memlab's driver, enabled and bus master for as long as this value exists
///   (the driver's unbind takes it out of the slot and drops it); once it is in the slot, its DMA
///   masks are set to [`DMA_ADDRESS_BITS`].
/// - `regs` maps its BAR 0.
/// - `kept` holds the buffers and windows kept for others (see [`kept`]); it is declared before
///   `regs`, so its windows are unmapped before `regs` releases the claim of BAR 0.
pub(crate) struct Edu {
    pdev: ARef<pci::Device>,
    kept: kept::Kept,
    regs: IoMapping,
}

/// The direction of a DMA transfer.
#[derive(Clone, Copy)]
enum Direction {
    ToDevice,
    FromDevice,
}

impl Edu {
    fn raw_pci(&self) -> *mut bindings::pci_dev {
        // CAST: `pci::Device` is `#[repr(transparent)]` over `Opaque<struct pci_dev>`.
        ptr::from_ref::<pci::Device>(&self.pdev).cast_mut().cast()
    }

    /// Where BAR 0 lies: physical start and length. (The registers themselves are not lent
    /// out: three writes would make the DMA engine write anywhere in memory.)
    pub(crate) fn bar(&self) -> (u64, usize) {
        (self.regs.start(), self.regs.len())
    }

    /// Reads the identification register (0x010000ed for edu 1.0).
    ///
    /// # Errors
    ///
    /// None in practice: the register lies inside BAR 0.
    pub(crate) fn id(&self) -> Result<u32> {
        self.regs.read32(regs::ID)
    }

    /// Maps `len` bytes of BAR 0 from `offset` a second time, for as long as the device is
    /// borrowed, to read registers through (writes stay with the device's own mapping). Sleeps.
    ///
    /// # Errors
    ///
    /// `EINVAL` for an empty range or one outside BAR 0; `ENOMEM` if `ioremap` fails.
    pub(crate) fn bar_view(&self, offset: usize, len: usize) -> Result<BarView<'_>> {
        self.regs.borrow_window(offset, len).map(BarView)
    }

    /// `iters` pairs of `ioremap` + `iounmap` of what [`Edu::bar_view`] maps, in C: the
    /// benchmarks' baseline of it. Sleeps.
    ///
    /// # Errors
    ///
    /// As [`Edu::bar_view`].
    pub(crate) fn remap_bar_in_c(&self, offset: usize, len: usize, iters: u32) -> Result<u64> {
        baseline::ioremap(&self.regs, offset, len, iters)
    }

    /// The device as the `kernel` crate's DMA API takes it (`dma::Coherent`).
    pub(crate) fn bound_device(&self) -> &Device<Bound> {
        let device: &Device = self.pdev.as_ref();
        // SAFETY: The device is bound to memlab's driver for as long as `self` exists (type
        // invariant), and the result borrows `self`.
        unsafe { device.as_bound() }
    }

    /// Writes `value` to the liveness register and reads it back (the device inverts it).
    ///
    /// # Errors
    ///
    /// None in practice: the register lies inside BAR 0.
    pub(crate) fn liveness(&self, value: u32) -> Result<u32> {
        self.regs.write32(regs::LIVENESS, value)?;
        self.regs.read32(regs::LIVENESS)
    }

    /// Copies `len` bytes from `buf` at `offset` into the device's buffer at `device_offset`,
    /// with the device's DMA engine, and waits until the device is done.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `buf` was not allocated for this device, or a range lies outside `buf` or
    /// the device's 4 KiB buffer, or `len` is 0.
    pub(crate) fn dma_to_device(
        &self,
        buf: &mut DmaCoherent<'_>,
        offset: usize,
        device_offset: usize,
        len: usize,
    ) -> Result {
        self.transfer(Direction::ToDevice, buf, offset, device_offset, len)
    }

    /// Copies `len` bytes from the device's buffer at `device_offset` into `buf` at `offset`,
    /// with the device's DMA engine, and waits until the device is done.
    ///
    /// # Errors
    ///
    /// As [`Edu::dma_to_device`].
    pub(crate) fn dma_from_device(
        &self,
        buf: &mut DmaCoherent<'_>,
        offset: usize,
        device_offset: usize,
        len: usize,
    ) -> Result {
        self.transfer(Direction::FromDevice, buf, offset, device_offset, len)
    }

    fn transfer(
        &self,
        direction: Direction,
        buf: &mut DmaCoherent<'_>,
        offset: usize,
        device_offset: usize,
        len: usize,
    ) -> Result {
        if !buf.is_for(self) {
            return Err(EINVAL);
        }
        transfer(&self.regs, direction, buf, offset, device_offset, len)
    }
}

/// A second mapping of part of edu's BAR 0, for reading registers; unmapped on drop, and never
/// later than the borrow of the device it came from (see [`Edu::bar_view`]).
pub(crate) struct BarView<'a>(BorrowedWindow<'a>);

impl BarView<'_> {
    /// `readl` at `offset` of the view.
    ///
    /// # Errors
    ///
    /// `EINVAL` outside the view or misaligned.
    pub(crate) fn read32(&self, offset: usize) -> Result<u32> {
        self.0.read32(offset)
    }

    /// The view's virtual address.
    pub(crate) fn addr(&self) -> usize {
        self.0.addr()
    }
}

/// Runs one transfer of the DMA engine behind `bar` (edu's BAR 0) between `buf`, allocated for
/// this device, and the device's buffer, and waits until the device is done.
fn transfer(
    bar: &IoMapping,
    direction: Direction,
    buf: &mut DmaCoherent<'_>,
    offset: usize,
    device_offset: usize,
    len: usize,
) -> Result {
    let in_buf = offset.checked_add(len).is_some_and(|end| end <= buf.len());
    let in_device = device_offset
        .checked_add(len)
        .is_some_and(|end| end <= DEVICE_BUFFER_SIZE);
    if len == 0 || !in_buf || !in_device {
        return Err(EINVAL);
    }
    kernel::task::might_sleep();
    // CAST: offsets below 4 KiB and buffer sizes fit `u64`.
    let ram = buf.dma_handle() + offset as u64;
    let device = regs::DEVICE_BUFFER + device_offset as u64;
    let (source, destination, command) = match direction {
        Direction::ToDevice => (ram, device, regs::DMA_RUN),
        Direction::FromDevice => (device, ram, regs::DMA_RUN | regs::DMA_TO_RAM),
    };
    write_register(bar, regs::DMA_SOURCE, source)?;
    write_register(bar, regs::DMA_DESTINATION, destination)?;
    // CAST: `len <= 4096`.
    write_register(bar, regs::DMA_COUNT, len as u64)?;
    write_register(bar, regs::DMA_COMMAND, command)?;
    // The engine runs from a timer 100 ms (guest time) later. `buf` stays borrowed mutably until
    // the device reports completion: only then may the CPU touch or free it, so this waits for as
    // long as that takes, and no error may end the wait early.
    let mut polls: u32 = 0;
    while dma_running(bar) {
        fsleep(Delta::from_millis(POLL_MS));
        polls = polls.saturating_add(1);
        if polls == WARN_AFTER_POLLS {
            pr_warn!("edu: DMA still running after 5 s; waiting on\n");
        }
    }
    Ok(())
}

/// Whether the DMA engine behind `bar` is still running the transfer last started.
fn dma_running(bar: &IoMapping) -> bool {
    // The command register lies inside BAR 0 (`bind` refuses a smaller BAR), so the read cannot
    // fail; if it ever did, "still running" is the answer that keeps the buffer safe.
    read_register(bar, regs::DMA_COMMAND).map_or(true, |command| command & regs::DMA_RUN != 0)
}

/// Writes one of the engine's 64-bit registers: `writeq` where the kernel has it (64-bit). A
/// 32-bit kernel has no `writeq`; there one 32-bit write sets the whole register (edu takes a
/// 4-byte write at a DMA register as its new value, upper half zero), which holds every value
/// the engine takes from a 32-bit DMA mask.
///
/// # Errors
///
/// As [`IoMapping::write32`]; `ERANGE` for a value above 32 bits on a 32-bit kernel.
fn write_register(bar: &IoMapping, offset: usize, value: u64) -> Result {
    #[cfg(CONFIG_64BIT)]
    {
        bar.write64(offset, value)
    }
    #[cfg(not(CONFIG_64BIT))]
    {
        bar.write32(offset, u32::try_from(value).map_err(|_| ERANGE)?)
    }
}

/// Reads one of the engine's 64-bit registers (see [`write_register`]): its lower half on a
/// 32-bit kernel.
fn read_register(bar: &IoMapping, offset: usize) -> Result<u64> {
    #[cfg(CONFIG_64BIT)]
    {
        bar.read64(offset)
    }
    #[cfg(not(CONFIG_64BIT))]
    {
        bar.read32(offset).map(u64::from)
    }
}

// SAFETY: `Edu`'s device is bound with its DMA masks set for as long as the value lives (type
// invariant); `pci::Device` derefs to the `struct device` inside its `struct pci_dev`.
unsafe impl DmaDevice for Edu {
    fn as_raw_device(&self) -> *mut bindings::device {
        let device: &kernel::device::Device = self.pdev.as_ref();
        // CAST: `device::Device` is `#[repr(transparent)]` over `Opaque<struct device>`.
        ptr::from_ref(device).cast_mut().cast()
    }
}

impl Drop for Edu {
    fn drop(&mut self) {
        let pdev = self.raw_pci();
        // SAFETY: `pdev` is the bound, enabled device (type invariant); no DMA buffer is alive
        // (they borrow `self`) and no transfer runs. The registers are unmapped right after,
        // when `regs` is dropped, and never accessed again.
        unsafe {
            bindings::pci_clear_master(pdev);
            bindings::pci_disable_device(pdev);
        }
    }
}

kernel::sync::global_lock! {
    // SAFETY: `EDU` is used only through `SLOT`, which initialises it once, before any use (see
    // `crate::mm::global`).
    unsafe(uninit) static EDU: Mutex<Option<Edu>> = None;
}

// SAFETY: Nothing but `SLOT` uses `EDU`, and it is the only `Global` made for it.
static SLOT: Global<EDU> = unsafe { Global::new(&EDU) };

/// The slot that holds the bound edu device, open for as long as this value lives. The module
/// opens it before registering the driver and drops it after unregistering (unbinding empties
/// the slot; a device still in it is released); while it is closed, binding fails and [`with`]
/// answers `ENODEV`.
pub(crate) struct DeviceSlot(#[expect(dead_code, reason = "held for its Drop")] OpenGlobal<EDU>);

impl DeviceSlot {
    /// Opens the slot.
    ///
    /// # Errors
    ///
    /// `EBUSY` if it was opened before (in this load of the module).
    pub(crate) fn open() -> Result<Self> {
        SLOT.open().map(Self)
    }
}

/// The device slot, locked, or `ENODEV` when it is not open.
fn slot() -> Result<GlobalGuard<EDU>> {
    SLOT.lock()
}

/// Runs `f` with the bound edu device, mutably (to keep or release resources, see [`kept`]),
/// holding the slot's mutex. May sleep.
///
/// # Errors
///
/// `ENODEV` when no edu device is bound.
pub(crate) fn with_mut<R>(f: impl FnOnce(&mut Edu) -> R) -> Result<R> {
    let mut slot = slot()?;
    slot.as_mut().map(f).ok_or(ENODEV)
}

/// Runs `f` with the bound edu device, holding the slot's mutex (so the device cannot be unbound
/// meanwhile). May sleep. `f` must return to release the mutex: a KUnit assertion that fails
/// inside `f` ends the thread without unwinding and leaves the mutex locked.
///
/// # Errors
///
/// `ENODEV` when no edu device is bound ("not available": no `-device edu`, or unbound).
pub(crate) fn with<R>(f: impl FnOnce(&Edu) -> R) -> Result<R> {
    let slot = slot()?;
    slot.as_ref().map(f).ok_or(ENODEV)
}

/// memlab's PCI driver for edu.
pub(crate) struct EduDriver;

/// The driver's per-device data: the device itself lives in the global slot; dropping the
/// binding (at unbind) takes it out, waiting for any [`with`] in progress.
pub(crate) struct Binding;

impl Drop for Binding {
    fn drop(&mut self) {
        // A closed slot was emptied when it closed.
        let edu = slot().ok().and_then(|mut slot| slot.take());
        drop(edu);
    }
}

kernel::pci_device_table!(
    PCI_TABLE,
    <EduDriver as pci::Driver>::IdInfo,
    [(
        // Base class 0x00 ("unclassified"), subclass 0xff: QEMU sets edu's 16-bit class ID to
        // its own PCI_CLASS_OTHERS (0xff), so the 24-bit class reads 0x00ff00.
        pci::DeviceId::from_class(bindings::PCI_CLASS_OTHERS << 8, 0xff_ff00),
        ()
    )]
);

impl EduDriver {
    fn bind(pdev: &pci::Device<Core<'_>>) -> Result<Binding> {
        if pdev.vendor_id().as_raw() != VENDOR_QEMU || pdev.device_id() != DEVICE_EDU {
            return Err(ENODEV);
        }
        let mut slot = slot()?;
        if slot.is_some() {
            dev_info!(
                pdev,
                "memlab drives one edu device; this one stays unbound\n"
            );
            return Err(EBUSY);
        }
        let start = pdev.resource_start(0)?;
        let len = usize::try_from(pdev.resource_len(0)?)?;
        if len < regs::END {
            dev_err!(pdev, "BAR 0 has {len} bytes, too few for edu's registers\n");
            return Err(ENODEV);
        }
        // SAFETY: BAR 0 of the device this driver is binding; its registers are only accessed
        // through `Edu`, whose DMA transfers check every address they program.
        let regs = unsafe { IoMapping::new(start, len, c"memlab-edu")? };
        pdev.enable_device_mem()?;
        pdev.set_master();
        // From here on, dropping `edu` (on any error below, or at unbind) disables the device.
        let edu = Edu {
            pdev: pdev.into(),
            kept: kept::Kept::default(),
            regs,
        };
        // SAFETY: The device was just bound: no DMA allocation or mapping exists for it yet.
        unsafe { pdev.dma_set_mask_and_coherent(DmaMask::new::<DMA_ADDRESS_BITS>())? };
        let id = edu.id()?;
        if id != IDENTIFICATION {
            dev_err!(pdev, "not an edu 1.0: identification {id:#x}\n");
            return Err(ENODEV);
        }
        dev_info!(
            pdev,
            "edu {id:#010x}: BAR 0 at {start:#x} ({len} bytes) mapped, DMA mask {DMA_ADDRESS_BITS} bits\n"
        );
        // INVARIANT: Bound, enabled, bus master, masks set, BAR 0 mapped; the binding takes the
        // device out of the slot when it is unbound.
        *slot = Some(edu);
        Ok(Binding)
    }
}

impl pci::Driver for EduDriver {
    type IdInfo = ();
    type Data<'bound> = Binding;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        Self::bind(pdev)
    }
}

pub(crate) mod kept;
mod kunit;
