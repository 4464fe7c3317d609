// SPDX-License-Identifier: GPL-2.0

//! Byte sizes for humans, with integer arithmetic only.
//!
//! Pure logic: no kernel types, so the host runs its tests with `cargo test` (see `tests/host/`).

use core::fmt;

use crate::wide::Decimal;

/// A size in bytes, displayed exactly in the largest binary unit that divides it.
///
/// `Bytes(4096)` prints `4 KiB`, `Bytes(1536)` prints `1536 B`: the report never rounds, so a
/// reader can trust every digit.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bytes(pub(crate) u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, u32); 4] = [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)];

        let bytes = self.0;
        for (name, shift) in UNITS {
            let unit = 1u64 << shift;
            if bytes != 0 && bytes % unit == 0 {
                return write!(f, "{} {}", Decimal(bytes >> shift), name);
            }
        }
        write!(f, "{} B", Decimal(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::Bytes;

    fn show(bytes: u64) -> String {
        format!("{}", Bytes(bytes))
    }

    #[test]
    fn whole_units_use_the_largest_unit() {
        assert_eq!(show(1024), "1 KiB");
        assert_eq!(show(4096), "4 KiB");
        assert_eq!(show(4 << 20), "4 MiB");
        assert_eq!(show(4 << 30), "4 GiB");
        assert_eq!(show(3 << 40), "3 TiB");
    }

    #[test]
    fn sizes_are_never_rounded() {
        assert_eq!(show(1536), "1536 B");
        assert_eq!(show((16 << 20) - 4096), "16380 KiB");
        assert_eq!(show((1 << 30) + (1 << 20)), "1025 MiB");
    }

    #[test]
    fn small_and_zero_sizes_are_bytes() {
        assert_eq!(show(0), "0 B");
        assert_eq!(show(1), "1 B");
        assert_eq!(show(1023), "1023 B");
    }
}
