// SPDX-License-Identifier: GPL-2.0

//! The edu device in the lab: `alloc NAME dma SIZE`, `dma NAME to-device|from-device`, and
//! `ioremap NAME edu [OFFSET [LEN]]`, with `data/NAME` of an ioremap window.
//!
//! The device keeps the buffers and windows (see [`crate::edu::kept`]); a lab object holds only
//! its ticket. Everything goes through the device slot, under its mutex (taken after the lab's),
//! so after an unbind every use of an old ticket is `ENODEV`, and a `free` just forgets it.
//! The lab never maps an address a user gives: a window is always part of edu's BAR 0.

use kernel::{
    fs::file::Offset,
    prelude::*,
    uaccess::{
        UserSliceReader,
        UserSliceWriter, //
    },
};

use crate::{
    edu::{
        self,
        kept::Ticket, //
    },
    lab::{
        control::{
            data_file,
            insert,
            kernel_refusal,
            Lab,
            Slot,
            State, //
        },
        object::{
            Memory,
            Object, //
        },
        reply::{
            refuse,
            Outcome,
            Refusal, //
        },
        stats::Api,
    },
    mm::gfp::Gfp,
    wide::Decimal,
};

fn no_device() -> Refusal {
    refuse!(NoDev, "no edu device is bound (or it was unbound)")
}

/// `dma_alloc_coherent` of `len` bytes for the edu device, kept by the device.
pub(crate) fn keep_dma(len: usize, gfp: Gfp) -> Outcome<Memory> {
    let kept = edu::with_mut(|edu| edu.keep_dma(len, gfp)).map_err(|_| no_device())?;
    let kept = kept.map_err(|err| kernel_refusal(Api::DmaAlloc, err))?;
    Ok(Memory::Dma {
        ticket: kept.ticket,
        len,
        address: kept.addr,
        dma_handle: kept.dma_handle,
    })
}

/// `ioremap NAME edu [OFFSET [LEN]]`.
pub(crate) fn ioremap(
    lab: &Lab,
    state: &mut State,
    name: &str,
    offset: u64,
    len: Option<u64>,
) -> Outcome {
    let api = Api::Ioremap;
    // A window counts against the object limit only: it maps device memory, not RAM.
    state.table.admit(name, 0)?;
    let data = data_file(lab, state, name)?;
    let mapped = edu::with_mut(|edu| -> Outcome<_> {
        let (_, bar_len) = edu.bar();
        let offset = usize::try_from(offset)
            .ok()
            .filter(|offset| *offset < bar_len && offset % 4 == 0)
            .ok_or_else(|| {
                refuse!(
                    Inval,
                    "ioremap: OFFSET {}: a multiple of 4 below {bar_len} (BAR 0)",
                    Decimal(offset)
                )
            })?;
        let len = match len {
            None => bar_len - offset,
            Some(len) => usize::try_from(len)
                .ok()
                .filter(|len| *len != 0 && len % 4 == 0 && *len <= bar_len - offset)
                .ok_or_else(|| {
                    refuse!(
                        Inval,
                        "ioremap: LEN {}: a multiple of 4, 4 to {} from offset {offset}",
                        Decimal(len),
                        bar_len - offset
                    )
                })?,
        };
        let kept = edu
            .keep_window(offset, len)
            .map_err(|err| kernel_refusal(api, err))?;
        Ok((kept, offset, len))
    });
    let (kept, offset, len) = mapped.map_err(|_| no_device())??;
    pr_info!(
        "ioremap {name}: ioremap({:#x}, {len}) = {:#x} (edu BAR 0 + {offset:#x})\n",
        kept.phys,
        kept.addr
    );
    let object = Object {
        api,
        // CAST: `usize` fits `u64`.
        asked: len as u64,
        gfp: None,
        parent: None,
        memory: Memory::Io {
            ticket: kept.ticket,
            len,
            address: kept.addr,
            phys: kept.phys,
        },
    };
    insert(state, name, 0, Slot::new(data, object)).map_err(|(refusal, _)| refusal)
}

/// `dma NAME to-device|from-device [OFFSET [LEN]]`.
pub(crate) fn dma(
    state: &mut State,
    name: &str,
    to_device: bool,
    offset: u64,
    len: Option<u64>,
) -> Outcome {
    let Memory::Dma {
        ticket,
        len: size,
        dma_handle,
        ..
    } = state.table.get(name)?.value.object.memory
    else {
        return Err(refuse!(
            Inval,
            "'{name}' is not a dma object (alloc NAME dma SIZE)"
        ));
    };
    let offset = usize::try_from(offset)
        .ok()
        .filter(|offset| *offset < size)
        .ok_or_else(|| {
            refuse!(
                Inval,
                "dma: OFFSET {}: '{name}' has {size} bytes",
                Decimal(offset)
            )
        })?;
    let most = (size - offset).min(edu::DEVICE_BUFFER_SIZE);
    let len = match len {
        None => most,
        Some(len) => usize::try_from(len)
            .ok()
            .filter(|len| *len != 0 && *len <= most)
            .ok_or_else(|| {
                refuse!(
                    Inval,
                    "dma: LEN {}: 1 to {most} from offset {offset}",
                    Decimal(len)
                )
            })?,
    };
    let moved = edu::with_mut(|edu| edu.kept_dma_transfer(ticket, to_device, offset, len));
    match moved {
        Ok(Ok(())) => {}
        Ok(Err(err)) if err != ENODEV => return Err(kernel_refusal(Api::DmaTransfer, err)),
        _ => return Err(no_device()),
    }
    // CAST: `usize` fits `u64`.
    let bus = dma_handle + offset as u64;
    if to_device {
        pr_info!("dma {name} to-device: edu's engine copied {len} bytes from bus {bus:#x}\n");
    } else {
        pr_info!("dma {name} from-device: edu's engine copied {len} bytes to bus {bus:#x}\n");
    }
    state.stats.called(Api::DmaTransfer);
    Ok(())
}

/// Gives what the device keeps for `object` back (frees the buffer, unmaps the window) and
/// returns `None`; any other object comes back to be dropped. A revoked ticket has nothing left.
pub(crate) fn release(object: Object) -> Option<Object> {
    match object.memory {
        Memory::Dma { ticket, .. } | Memory::Io { ticket, .. } => {
            // `ENODEV` or `false`: revoked at unbind, freed then.
            let _released = edu::with_mut(|edu| edu.release(ticket));
            None
        }
        _ => Some(object),
    }
}

/// Reads `data/NAME` of the ioremap window `ticket` (`len` bytes): a `readl` of every register
/// the read covers.
pub(crate) fn read_window(
    ticket: Ticket,
    len: usize,
    writer: &mut UserSliceWriter,
    offset: &mut Offset,
) -> Result<usize> {
    let start = usize::try_from(*offset).map_err(|_| EINVAL)?;
    if start >= len {
        return Ok(0);
    }
    let end = len.min(start.saturating_add(writer.len()));
    // `len` is a multiple of 4 (`ioremap` checks), so whole registers stay inside the window.
    let (first, last) = (start & !3, (end + 3) & !3);
    let mut words = KVec::with_capacity(last - first, GFP_KERNEL)?;
    edu::with(|edu| -> Result {
        for register in (first..last).step_by(4) {
            let value = edu.window_read32(ticket, register)?;
            words.extend_from_slice(&value.to_ne_bytes(), GFP_KERNEL)?;
        }
        Ok(())
    })??;
    writer.write_slice(&words[start - first..end - first])?;
    let count = end - start;
    // CAST: `count` is at most a BAR's size.
    *offset += count as Offset;
    Ok(count)
}

/// Writes `data/NAME` of the ioremap window `ticket`: one `writel` of 4 bytes at an offset that
/// is a multiple of 4, where the device allows it (`EPERM` elsewhere).
pub(crate) fn write_window(
    ticket: Ticket,
    reader: &mut UserSliceReader,
    offset: &mut Offset,
) -> Result<usize> {
    let register = usize::try_from(*offset).map_err(|_| EINVAL)?;
    if register % 4 != 0 || reader.len() != 4 {
        return Err(EINVAL);
    }
    let mut value = [0u8; 4];
    reader.read_slice(&mut value)?;
    edu::with(|edu| edu.window_write32(ticket, register, u32::from_ne_bytes(value)))??;
    *offset += 4;
    Ok(4)
}
