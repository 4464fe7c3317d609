// SPDX-License-Identifier: GPL-2.0

//! Minimal reproducer: on 32-bit arm, `{}` of a `u64` of 10,000 or more oopses.
//!
//! `core`'s `Display` for `u64` divides by 10,000 while the value is at least 10,000; on arm32
//! that division is a call to `__aeabi_uldivmod`, which `rust/compiler_builtins.rs` defines as a
//! panicking stub, and a panic is `BUG()`: "Oops - undefined instruction".

use kernel::prelude::*;

module! {
    type: U64Display,
    name: "u64_display",
    authors: ["memlab"],
    description: "u64 Display on arm32: an Oops from 10,000 up",
    license: "GPL",
}

struct U64Display;

impl kernel::Module for U64Display {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // `black_box`: the value comes from nowhere the compiler can see.
        let below = core::hint::black_box(9_999u64);
        let above = core::hint::black_box(10_000u64);
        pr_info!("9999 as u64: {below}\n");
        pr_info!("10000 as u64: {above}\n");
        Ok(U64Display)
    }
}
