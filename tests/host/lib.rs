// SPDX-License-Identifier: GPL-2.0

//! Host-side unit tests of memlab's pure logic.
//!
//! The files of `src/` that need no kernel are compiled here unchanged, at the same module paths
//! as in the module (so their `crate::` paths resolve), and their `#[cfg(test)]` tests run with
//! `cargo test`. A file belongs here when it uses nothing but `core` and other pure files.
//! (A `#[path]` on an inline `mod` names the folder its file modules are read from.)

#![allow(dead_code, reason = "only the tests use these items on the host")]

#[path = "../../src/facts.rs"]
mod facts;
#[path = "../../src/shuffle.rs"]
mod shuffle;
#[path = "../../src/units.rs"]
mod units;
#[path = "../../src/wide.rs"]
mod wide;

#[path = "../../src/mm"]
mod mm {
    pub(crate) mod flags;
    pub(crate) mod gfp_policy;
    pub(crate) mod lifecycle;
}

#[path = "../../src/bench"]
mod bench {
    pub(crate) mod host;
    pub(crate) mod report;
    pub(crate) mod spec;
    pub(crate) mod summary;
}

#[path = "../../src/lab"]
mod lab {
    pub(crate) mod grammar;
    pub(crate) mod info;
    pub(crate) mod reply;
    pub(crate) mod stats;
    pub(crate) mod table;
    pub(crate) mod words;
}
