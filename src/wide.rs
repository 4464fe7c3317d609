// SPDX-License-Identifier: GPL-2.0

//! 64-bit division and decimal formatting that 32-bit kernels can run.
//!
//! On 32-bit arm, Rust compiles a `u64` division or remainder into a call to `__aeabi_uldivmod`,
//! which the kernel does not provide to Rust code (C code divides through `do_div`):
//!
//! - in memlab's own code, modpost refuses the module (`__aeabi_uldivmod` undefined);
//! - in `core`, which the kernel links itself, `rust/compiler_builtins.rs` replaces it with a
//!   stub that panics ("`u64` division/modulo should not be used"), and a panic is a `BUG()`:
//!   "Oops - undefined instruction". `core`'s `Display` for `u64` and `i64` divides by 10,000
//!   for every value of 10,000 or more, so `pr_info!("{}", 10_000u64)` oopses an arm32 kernel
//!   (Linux 7.3, rustc 1.85.1; `i64`, `u128` and `i128` likewise; hex and `u32` are fine).
//!
//! So memlab divides 64-bit values with [`div_rem`] and prints them through [`Decimal`], on
//! every architecture alike (one code path, tested on the host); `scripts/check-portable`
//! refuses a module that references `core`'s 64-bit decimal formatting. On 64-bit kernels
//! [`div_rem`] is the native instruction.
//!
//! Pure logic: no kernel types, so the host runs its tests with `cargo test` (see `tests/host/`).

use core::fmt;

/// `(n / d, n % d)`; panics if `d` is zero, as `/` does.
#[inline]
pub(crate) fn div_rem(n: u64, d: u64) -> (u64, u64) {
    #[cfg(target_pointer_width = "64")]
    {
        (n / d, n % d)
    }
    #[cfg(not(target_pointer_width = "64"))]
    {
        long_div_rem(n, d)
    }
}

/// `n / d` (see [`div_rem`]).
#[inline]
pub(crate) fn div(n: u64, d: u64) -> u64 {
    div_rem(n, d).0
}

/// Binary long division with shifts, compares and subtractions only: what 32-bit code runs.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
fn long_div_rem(n: u64, d: u64) -> (u64, u64) {
    assert!(d != 0, "attempt to divide by zero");
    if d > n {
        return (0, n);
    }
    if d > 1 << 63 {
        // `d <= n < 2^64 < 2 * d`: the quotient is 1.
        return (1, n - d);
    }
    let (mut quotient, mut remainder) = (0u64, 0u64);
    for bit in (0..64).rev() {
        // `remainder < d <= 2^63`, so the shift cannot overflow.
        remainder = (remainder << 1) | ((n >> bit) & 1);
        if remainder >= d {
            remainder -= d;
            quotient |= 1 << bit;
        }
    }
    (quotient, remainder)
}

/// A `u64` shown in decimal without 64-bit division in `core`: `format!("{}", Decimal(n))`
/// equals `format!("{n}")`, padding and alignment included.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal(pub(crate) u64);

/// The digits of `n`, written into the end of `buf` (20 bytes hold `u64::MAX`).
fn digits(mut n: u64, buf: &mut [u8; 20]) -> &str {
    const BILLION: u64 = 1_000_000_000;
    let mut at = buf.len();
    loop {
        // Nine digits at a time in a `u32`, whose division every architecture has.
        let (high, low) = div_rem(n, BILLION);
        let mut chunk = low as u32;
        let width = if high == 0 { 1 } else { 9 };
        let mut written = 0;
        while written < width || chunk != 0 {
            at -= 1;
            buf[at] = b'0' + (chunk % 10) as u8;
            chunk /= 10;
            written += 1;
        }
        if high == 0 {
            break;
        }
        n = high;
    }
    // The buffer holds ASCII digits only from `at` on.
    core::str::from_utf8(&buf[at..]).unwrap_or("?")
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 20];
        f.pad_integral(true, "", digits(self.0, &mut buf))
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::{div_rem, long_div_rem, Decimal};

    const EDGES: [u64; 14] = [
        0,
        1,
        9,
        10,
        9_999,
        10_000,
        999_999_999,
        1_000_000_000,
        1_000_000_001,
        u32::MAX as u64,
        1 << 32,
        (1 << 63) - 1,
        1 << 63,
        u64::MAX,
    ];

    #[test]
    fn long_division_agrees_with_the_native_one() {
        // Every edge value but 0 as a divisor too, and a few odd ones.
        let divisors = EDGES.into_iter().filter(|&d| d != 0);
        for n in EDGES {
            for d in divisors.clone().chain([3, 7, (1 << 63) + 1]) {
                assert_eq!(long_div_rem(n, d), (n / d, n % d), "{n} / {d}");
            }
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let d = (x >> (x % 64)).max(1);
            assert_eq!(long_div_rem(x, d), (x / d, x % d), "{x} / {d}");
            assert_eq!(div_rem(x, d), (x / d, x % d));
        }
    }

    #[test]
    #[should_panic(expected = "divide by zero")]
    fn dividing_by_zero_panics_as_native_division_does() {
        long_div_rem(1, 0);
    }

    #[test]
    fn decimal_prints_what_core_prints() {
        for n in EDGES {
            assert_eq!(format!("{}", Decimal(n)), format!("{n}"));
            assert_eq!(format!("{:>22}", Decimal(n)), format!("{n:>22}"));
            assert_eq!(format!("{:<22}|", Decimal(n)), format!("{n:<22}|"));
            assert_eq!(format!("{:09}", Decimal(n)), format!("{n:09}"));
            assert_eq!(format!("{:?}", Decimal(n)), format!("{n:?}"));
        }
    }
}
