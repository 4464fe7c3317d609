// SPDX-License-Identifier: GPL-2.0

//! The lab: `/sys/kernel/debug/memlab/`, where users drive the wrappers from the shell.
//!
//! Safe Rust only, on top of [`crate::mm`]: no `unsafe` in this layer.
//!
//! - [`debugfs`]: the directory and its files.
//! - [`info`] (pure): the text of `info`.

pub(crate) mod debugfs;
pub(crate) mod info;
