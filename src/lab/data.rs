// SPDX-License-Identifier: GPL-2.0

//! `data/<name>`: the bytes of one object, read and written at any offset.
//!
//! Reads and writes go through the lab mutex and find the object by its id, never by a
//! pointer (lent pages by way of the alias holding their block, a DMA buffer by way of the
//! device, see [`super::access`]): a file whose object was just freed (its removal waits for
//! readers already inside) answers `ENOENT`, one whose device was unbound `ENODEV`; a
//! descriptor opened before its object was freed answers `EIO` (debugfs cuts a removed file
//! off). Writing at or past the end is `ENOSPC`, so tools that write until refused stop there;
//! reading past the end is end-of-file. An ioremap window is device registers: it is read 32
//! bits at a time, and written one register (4 bytes) per write(2), where the device allows
//! (see [`super::device`]).

use kernel::{
    debugfs::{
        BinaryReader,
        BinaryWriter, //
    },
    fs::file::Offset,
    prelude::*,
    uaccess::{
        UserSliceReader,
        UserSliceWriter, //
    },
};

use crate::lab::{
    access,
    control::{
        to_error,
        Lab,
        LabTable, //
    },
    device,
    object::Memory,
};

/// The data file of the object with `id`.
pub(crate) struct DataFile {
    lab: Lab,
    id: u64,
}

impl DataFile {
    /// The file of the object that has, or will have, `id` in `lab`'s table.
    pub(crate) fn new(lab: Lab, id: u64) -> Self {
        Self { lab, id }
    }

    /// The ticket and length of the object if it is an ioremap window.
    fn window(&self, table: &LabTable) -> Result<Option<(u64, usize)>> {
        let entry = table.by_id(self.id).ok_or(ENOENT)?;
        Ok(match entry.value.object.memory {
            Memory::Io { ticket, len, .. } => Some((ticket, len)),
            _ => None,
        })
    }
}

impl BinaryWriter for DataFile {
    fn write_to_slice(&self, writer: &mut UserSliceWriter, offset: &mut Offset) -> Result<usize> {
        let mut state = self.lab.lock();
        if let Some((ticket, len)) = self.window(&state.table)? {
            return device::read_window(ticket, len, writer, offset);
        }
        access::with_bytes(&mut state.table, self.id, |bytes| {
            writer.write_slice_file(bytes, offset)
        })
        .map_err(to_error)?
    }
}

impl BinaryReader for DataFile {
    fn read_from_slice(&self, reader: &mut UserSliceReader, offset: &mut Offset) -> Result<usize> {
        let mut state = self.lab.lock();
        if let Some((ticket, _)) = self.window(&state.table)? {
            return device::write_window(ticket, reader, offset);
        }
        access::with_bytes(&mut state.table, self.id, |bytes| {
            // CAST: a slice's length fits `i64`.
            if *offset >= bytes.len() as Offset && !reader.is_empty() {
                return Err(ENOSPC);
            }
            reader.read_slice_file(bytes, offset)
        })
        .map_err(to_error)?
    }
}
