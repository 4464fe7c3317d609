// SPDX-License-Identifier: GPL-2.0

//! `data/<name>`: the bytes of one object, read and written at any offset.
//!
//! Reads and writes go through the lab mutex and find the object by its id, never by a
//! pointer (lent pages by way of the alias holding their block, see [`super::alias`]): a file whose object was just freed (its removal waits for readers already inside)
//! answers `ENOENT`. Writing at or past the end is `ENOSPC`, so tools that write until refused
//! stop there; reading past the end is end-of-file.

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
    alias,
    control::Lab, //
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
}

impl BinaryWriter for DataFile {
    fn write_to_slice(&self, writer: &mut UserSliceWriter, offset: &mut Offset) -> Result<usize> {
        let state = self.lab.lock();
        let bytes = alias::bytes(&state.table, self.id).ok_or(ENOENT)?;
        writer.write_slice_file(bytes, offset)
    }
}

impl BinaryReader for DataFile {
    fn read_from_slice(&self, reader: &mut UserSliceReader, offset: &mut Offset) -> Result<usize> {
        let mut state = self.lab.lock();
        let bytes = alias::bytes_mut(&mut state.table, self.id).ok_or(ENOENT)?;
        // CAST: a slice's length fits `i64`.
        if *offset >= bytes.len() as Offset && !reader.is_empty() {
            return Err(ENOSPC);
        }
        reader.read_slice_file(bytes, offset)
    }
}
