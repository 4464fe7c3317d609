// SPDX-License-Identifier: GPL-2.0

//! memlab's debugfs interface, `/sys/kernel/debug/memlab/`.
//!
//! | file   | mode | content |
//! |--------|------|---------|
//! | `info` | 0400 | the kernel facts and live zone spans, see [`super::info`] |
//!
//! Everything is removed when the [`Interface`] is dropped (at `rmmod`).

use core::fmt;

use kernel::{
    debugfs::{
        Dir,
        File, //
    },
    prelude::*, //
};

use crate::{
    facts::Facts,
    lab::info,
    shim, //
};

/// The debugfs directory and its files; dropping it removes them.
pub(crate) struct Interface {
    _info: Pin<KBox<File<Info>>>,
    _dir: Dir,
}

impl Interface {
    /// Creates `/sys/kernel/debug/memlab/` with its files.
    ///
    /// # Errors
    ///
    /// `ENOMEM` if the file's bookkeeping cannot be allocated. (A debugfs failure itself is
    /// silent by design of debugfs: the module works on without the files.)
    pub(crate) fn new(version: &'static str, facts: Facts) -> Result<Self> {
        let dir = Dir::new(c"memlab");
        let info = KBox::pin_init(
            dir.read_callback_file(c"info", Info { version, facts }, &write_info),
            GFP_KERNEL,
        )?;
        Ok(Self {
            _info: info,
            _dir: dir,
        })
    }
}

/// What `info` shows besides the live zones.
struct Info {
    version: &'static str,
    facts: Facts,
}

/// Renders `info`; the zones are read at each read, so their page counts are live.
fn write_info(info: &Info, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    info::write_info(f, info.version, &info.facts, shim::zones())
}
