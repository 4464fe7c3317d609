// SPDX-License-Identifier: GPL-2.0

//! Host-side unit tests of memlab's pure logic.
//!
//! The files of `src/` that need no kernel are compiled here unchanged, at the crate root as
//! in the module (so their `crate::` paths resolve), and their `#[cfg(test)]` tests run with
//! `cargo test`. A file belongs here when it uses nothing but `core`.

#![allow(dead_code, reason = "only the tests use these items on the host")]

#[path = "../../src/flags.rs"]
mod flags;
#[path = "../../src/gfp_policy.rs"]
mod gfp_policy;
#[path = "../../src/lifecycle.rs"]
mod lifecycle;
#[path = "../../src/report.rs"]
mod report;
#[path = "../../src/units.rs"]
mod units;
