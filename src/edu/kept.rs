// SPDX-License-Identifier: GPL-2.0

//! What the bound edu device keeps for others across calls: coherent DMA buffers and windows of
//! its BAR, each known to its user by a [`Ticket`] (the owned forms the lab needs).
//!
//! This is the `Devres` pattern, made to fit memlab's device slot: the resources belong to the
//! binding, not to their users. A user holds a ticket, and every use goes through [`super::with`]
//! under the slot's mutex, so it finds the resource alive or not at all. When the device is
//! unbound the [`Edu`] is dropped with everything it keeps: bus mastering goes off first (the
//! engine cannot touch a buffer any more), then the buffers are freed and the windows unmapped,
//! while the device is still bound and its BAR still claimed. Tickets are never reused, not even
//! by the next binding, so a ticket of a revoked resource stays `ENODEV` for good.

use core::sync::atomic::{
    AtomicU64,
    Ordering, //
};

use kernel::prelude::*;

use crate::{
    edu::{
        regs,
        Direction,
        Edu, //
    },
    mm::{
        dma::DmaCoherent,
        gfp::Gfp,
        ioremap::MmioWindow, //
    },
};

/// How a user names a resource the device keeps for it.
pub(crate) type Ticket = u64;

/// The next ticket; shared by every binding, so a ticket is never reused.
static NEXT_TICKET: AtomicU64 = AtomicU64::new(1);

fn next_ticket() -> Ticket {
    NEXT_TICKET.fetch_add(1, Ordering::Relaxed)
}

/// The registers a window may write: liveness (0x04, echoes the inverted value) and factorial
/// (0x08, computes without raising an interrupt while interrupts stay off in the status register,
/// which is not writable). Everything else is refused: the DMA registers (0x80 to 0x9f) would
/// let a write start the engine anywhere in memory, and the status and interrupt registers would
/// raise an interrupt nobody handles.
const WRITABLE: [usize; 2] = [regs::LIVENESS, regs::FACTORIAL];

/// The resources of one binding.
#[derive(Default)]
pub(crate) struct Kept {
    buffers: KVec<(Ticket, DmaCoherent<'static>)>,
    windows: KVec<(Ticket, usize, MmioWindow)>,
}

/// A kept DMA buffer, as its user sees it.
pub(crate) struct KeptDma {
    /// Its ticket.
    pub(crate) ticket: Ticket,
    /// The CPU's address.
    pub(crate) addr: usize,
    /// The bus address the device uses.
    pub(crate) dma_handle: u64,
}

/// A kept window, as its user sees it.
pub(crate) struct KeptWindow {
    /// Its ticket.
    pub(crate) ticket: Ticket,
    /// Its virtual address.
    pub(crate) addr: usize,
    /// The physical address of its first byte.
    pub(crate) phys: u64,
}

impl Edu {
    /// Allocates a coherent buffer of `len` bytes that the device keeps until [`Edu::release`]
    /// or unbind. May sleep if `gfp` allows it.
    ///
    /// # Errors
    ///
    /// As [`DmaCoherent::new`].
    pub(crate) fn keep_dma(&mut self, len: usize, gfp: Gfp) -> Result<KeptDma> {
        self.kept.buffers.reserve(1, GFP_KERNEL)?;
        // SAFETY: The buffer goes into `self.kept`, which is dropped with `self` at the latest,
        // in the driver's unbind, while the device is still bound (see the module docs).
        let buffer = unsafe { DmaCoherent::new_kept(self, len, gfp) }?;
        let kept = KeptDma {
            ticket: next_ticket(),
            addr: buffer.addr(),
            dma_handle: buffer.dma_handle(),
        };
        // Room was reserved above: the push cannot fail.
        let _ = self
            .kept
            .buffers
            .push_within_capacity((kept.ticket, buffer));
        Ok(kept)
    }

    /// The bytes of the kept buffer `ticket`.
    ///
    /// # Errors
    ///
    /// `ENODEV` if this binding keeps no such buffer (it was revoked, or released).
    pub(crate) fn kept_dma(&mut self, ticket: Ticket) -> Result<&mut [u8]> {
        let (_, buffer) = self
            .kept
            .buffers
            .iter_mut()
            .find(|(kept, _)| *kept == ticket)
            .ok_or(ENODEV)?;
        Ok(buffer.as_mut_slice())
    }

    /// Copies `len` bytes between the kept buffer `ticket`, from `offset`, and the start of the
    /// device's buffer, with the device's DMA engine (to the device if `to_device`), and waits
    /// until it is done.
    ///
    /// # Errors
    ///
    /// `ENODEV` if this binding keeps no such buffer; `EINVAL` for a range outside the buffer
    /// or the device's 4 KiB, or `len` 0.
    pub(crate) fn kept_dma_transfer(
        &mut self,
        ticket: Ticket,
        to_device: bool,
        offset: usize,
        len: usize,
    ) -> Result {
        let Self { kept, regs, .. } = self;
        let (_, buffer) = kept
            .buffers
            .iter_mut()
            .find(|(kept, _)| *kept == ticket)
            .ok_or(ENODEV)?;
        let direction = if to_device {
            Direction::ToDevice
        } else {
            Direction::FromDevice
        };
        // Every kept buffer was allocated for this binding's device.
        super::transfer(regs, direction, buffer, offset, 0, len)
    }

    /// Maps `len` bytes of BAR 0 from `offset` again, as a window the device keeps until
    /// [`Edu::release`] or unbind. Sleeps.
    ///
    /// # Errors
    ///
    /// `EINVAL` for an empty range or one outside BAR 0; `ENOMEM`.
    pub(crate) fn keep_window(&mut self, offset: usize, len: usize) -> Result<KeptWindow> {
        self.kept.windows.reserve(1, GFP_KERNEL)?;
        // SAFETY: The window goes into `self.kept`, which `Edu` declares before `regs`: it is
        // unmapped before `regs` releases the claim. Its accesses are edu's registers, under the
        // promises `bind` made for BAR 0, and writes are limited to `WRITABLE`.
        let window = unsafe { self.regs.window(offset, len) }?;
        let kept = KeptWindow {
            ticket: next_ticket(),
            addr: window.addr(),
            phys: window.start(),
        };
        // Room was reserved above: the push cannot fail.
        let _ = self
            .kept
            .windows
            .push_within_capacity((kept.ticket, offset, window));
        Ok(kept)
    }

    fn window(&self, ticket: Ticket) -> Result<(usize, &MmioWindow)> {
        self.kept
            .windows
            .iter()
            .find(|(kept, _, _)| *kept == ticket)
            .map(|(_, offset, window)| (*offset, window))
            .ok_or(ENODEV)
    }

    /// `readl` at `offset` of the kept window `ticket`.
    ///
    /// # Errors
    ///
    /// `ENODEV` if this binding keeps no such window; `EINVAL` outside it or misaligned.
    pub(crate) fn window_read32(&self, ticket: Ticket, offset: usize) -> Result<u32> {
        self.window(ticket)?.1.read32(offset)
    }

    /// `writel` at `offset` of the kept window `ticket`, where [`WRITABLE`] allows.
    ///
    /// # Errors
    ///
    /// `ENODEV` if this binding keeps no such window; `EINVAL` outside it or misaligned;
    /// `EPERM` for any register but liveness and factorial.
    pub(crate) fn window_write32(&self, ticket: Ticket, offset: usize, value: u32) -> Result {
        let (start, window) = self.window(ticket)?;
        let register = start.checked_add(offset).ok_or(EINVAL)?;
        if !WRITABLE.contains(&register) {
            return Err(EPERM);
        }
        window.write32(offset, value)
    }

    /// Frees the buffer or unmaps the window `ticket`; `false` if this binding keeps neither.
    pub(crate) fn release(&mut self, ticket: Ticket) -> bool {
        if let Some(index) = self.kept.buffers.iter().position(|(t, _)| *t == ticket) {
            drop(self.kept.buffers.remove(index));
            return true;
        }
        if let Some(index) = self.kept.windows.iter().position(|(t, _, _)| *t == ticket) {
            drop(self.kept.windows.remove(index));
            return true;
        }
        false
    }
}
