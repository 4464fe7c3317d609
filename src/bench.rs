// SPDX-License-Identifier: GPL-2.0

//! The benchmarks: every allocation path timed in the kernel, as up to three variants of one
//! loop in the same boot: **c** (the loop in C, calling the C API: the baseline,
//! [`crate::mm::baseline`]), **rust** (memlab's safe wrappers) and **kernel** (the `kernel`
//! crate's peer, where one exists). Their files are `/sys/kernel/debug/memlab/bench/`.
//!
//! Safe Rust only; a user of the wrappers, beside the lab (whose pure text helpers, errnos and
//! words, it shares).
//!
//! - What to run: [`spec`] (pure). What one loop does: [`cases`]. How a run goes: [`runner`].
//! - Numbers: [`summary`] (pure: min, median, p99, ratios) and [`report`] (pure: KTAP, CSV,
//!   the kernel log's `Summary:` lines).
//! - What the numbers depend on (debugging gates, hardening, CPUs): [`host`] (pure).
//! - The files: [`debugfs`].

pub(crate) mod cases;
pub(crate) mod debugfs;
pub(crate) mod host;
pub(crate) mod report;
pub(crate) mod runner;
pub(crate) mod spec;
pub(crate) mod summary;
