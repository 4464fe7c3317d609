// SPDX-License-Identifier: GPL-2.0

//! The lab: `/sys/kernel/debug/memlab/`, where users drive the wrappers from the shell.
//!
//! Safe Rust only, on top of [`crate::mm`]: no `unsafe` in this layer.
//!
//! - [`debugfs`]: the directory and its files.
//! - [`control`]: the lab's state and what each command does.
//! - [`holder`]: caches and pools, the objects other objects come from.
//! - [`alias`]: vmap and kmap aliases of alloc_pages objects.
//! - [`device`]: the edu device's DMA buffers, DMA transfers and BAR windows.
//! - [`access`]: an object's bytes, wherever they are (lent pages, a device's buffer).
//! - [`object`]: one live object and its line in `objects`.
//! - [`data`]: `data/<name>`, an object's bytes.
//! - [`grammar`] (pure): the commands `control` takes, and `help`.
//! - [`words`] (pure): names, numbers and sizes in commands.
//! - [`reply`] (pure): errnos and one-line reasons.
//! - [`stats`] (pure): counters per kernel API, the text of `stats`.
//! - [`table`] (pure): the named objects, their count and byte budget.
//! - [`info`] (pure): the text of `info`.

pub(crate) mod access;
pub(crate) mod alias;
pub(crate) mod block;
pub(crate) mod control;
pub(crate) mod data;
pub(crate) mod debugfs;
pub(crate) mod device;
pub(crate) mod grammar;
pub(crate) mod holder;
pub(crate) mod info;
pub(crate) mod object;
pub(crate) mod reply;
pub(crate) mod stats;
pub(crate) mod table;
pub(crate) mod words;
