// SPDX-License-Identifier: GPL-2.0

//! memlab's debugfs interface, `/sys/kernel/debug/memlab/`.
//!
//! | file          | mode | content |
//! |---------------|------|---------|
//! | `control`     | 0600 | write one command per write(2); read: the last command's outcome |
//! | `help`        | 0400 | the commands, one line each, with an example |
//! | `objects`     | 0400 | the live objects, a header line then one line each |
//! | `stats`       | 0400 | counters per kernel API |
//! | `info`        | 0400 | the kernel facts, live zone spans and the lab's limits, see [`super::info`] |
//! | `data/<name>` | 0600 | the bytes of one object, at any offset |
//! | `bench/`      | 0755 | the benchmarks' files, see [`crate::bench::debugfs`] |
//!
//! The directory and `data/` are 0700: root only.
//!
//! Everything is removed when the [`Interface`] is dropped (at `rmmod`): first every object is
//! freed (newest first) and later commands are refused, then the files go.

use core::fmt;

use kernel::{
    debugfs::{
        Dir,
        File, //
    },
    prelude::*,
    uaccess::UserSliceReader,
};

use crate::{
    facts::Facts,
    lab::{
        control::{
            self,
            Control,
            Lab, //
        },
        grammar, info, object,
    },
    shim,
    wide::Decimal,
};

/// The debugfs directory and its files; dropping it frees every object, then removes them.
pub(crate) struct Interface {
    lab: Lab,
    _control: Pin<KBox<File<Control>>>,
    _help: Pin<KBox<File<()>>>,
    _objects: Pin<KBox<File<Lab>>>,
    _stats: Pin<KBox<File<Lab>>>,
    _info: Pin<KBox<File<Info>>>,
    _dir: Dir,
}

impl Interface {
    /// Creates `/sys/kernel/debug/memlab/` with its files; the lab holds at most `max_bytes`
    /// live bytes.
    ///
    /// # Errors
    ///
    /// `ENOMEM` if the files' bookkeeping cannot be allocated. (A debugfs failure itself is
    /// silent by design of debugfs: the module works on without the files.)
    pub(crate) fn new(version: &'static str, facts: Facts, max_bytes: u64) -> Result<Self> {
        let dir = Dir::new(c"memlab");
        let lab = control::new(dir.subdir(c"data"), max_bytes)?;
        // Root-only: `Dir` makes 0755 directories (and debugfs's own root is 0700 anyway).
        for child in [None, Some(c"data")] {
            if let Err(err) = shim::debugfs_restrict(c"memlab", child) {
                pr_warn!("debugfs: memlab's directories stay 0755 ({err:?})\n");
            }
        }
        let control = KBox::pin_init(
            dir.read_write_callback_file(
                c"control",
                Control::new(lab.clone())?,
                &read_control,
                &write_control,
            ),
            GFP_KERNEL,
        )?;
        let help = KBox::pin_init(dir.read_callback_file(c"help", (), &write_help), GFP_KERNEL)?;
        let objects = KBox::pin_init(
            dir.read_callback_file(c"objects", lab.clone(), &write_objects),
            GFP_KERNEL,
        )?;
        let stats = KBox::pin_init(
            dir.read_callback_file(c"stats", lab.clone(), &write_stats),
            GFP_KERNEL,
        )?;
        let info = Info {
            version,
            facts,
            lab: lab.clone(),
        };
        let info = KBox::pin_init(
            dir.read_callback_file(c"info", info, &write_info),
            GFP_KERNEL,
        )?;
        Ok(Self {
            lab,
            _control: control,
            _help: help,
            _objects: objects,
            _stats: stats,
            _info: info,
            _dir: dir,
        })
    }
}

impl Interface {
    /// The lab's directory, `/sys/kernel/debug/memlab/`, for the benchmarks' files.
    pub(crate) fn dir(&self) -> &Dir {
        &self._dir
    }
}

impl Drop for Interface {
    fn drop(&mut self) {
        // Frees every object (and removes its data file) while the files still exist: a
        // command arriving meanwhile is refused with ENODEV. The files go after this.
        control::close(&self.lab);
    }
}

fn read_control(control: &Control, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    control::write_last(&control.lab().lock(), f)
}

fn write_control(control: &Control, reader: &mut UserSliceReader) -> Result {
    control::write(control, reader)
}

/// Renders `help`: a header, then one line per command with its example.
fn write_help(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(
        f,
        "# echo 'COMMAND' > control; cat control shows the outcome, dmesg the details."
    )?;
    writeln!(
        f,
        "# Names: A-Z a-z 0-9 _ - (1 to 32). Sizes: bytes, or K, M, G. Numbers: decimal or 0x."
    )?;
    for (syntax, what, example) in grammar::HELP {
        writeln!(f, "{syntax}  -- {what}; e.g.: {example}")?;
    }
    Ok(())
}

fn write_objects(lab: &Lab, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let state = lab.lock();
    object::write_header(f)?;
    for entry in state.table.entries() {
        entry.value.object.write_line(f, entry.name.as_str())?;
    }
    Ok(())
}

fn write_stats(lab: &Lab, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    lab.lock().stats.write(f)
}

/// What `info` shows besides the live zones.
struct Info {
    version: &'static str,
    facts: Facts,
    lab: Lab,
}

/// Renders `info`; the zones and the lab's totals are read at each read.
fn write_info(info: &Info, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    info::write_info(f, info.version, &info.facts, shim::zones())?;
    let state = info.lab.lock();
    writeln!(f, "max_bytes: {}", Decimal(state.table.budget()))?;
    writeln!(f, "max_objects: {}", state.table.capacity())?;
    writeln!(f, "live_bytes: {}", Decimal(state.table.live_bytes()))?;
    writeln!(f, "live_objects: {}", state.table.len())
}
