// SPDX-License-Identifier: GPL-2.0

//! Integer statistics of a case's timed repeats, and ratios between variants.
//!
//! Pure logic, tested on the host. No floating point (the kernel has none): costs are
//! picoseconds per operation, ratios thousandths.

use core::fmt;

use crate::wide;

/// The most timed repeats one case keeps.
pub(crate) const MAX_REPEATS: usize = 64;

/// Min, median, p99 and max of one case's per-repeat costs (picoseconds per operation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) min: u64,
    pub(crate) median: u64,
    pub(crate) p99: u64,
    pub(crate) max: u64,
}

impl Summary {
    /// Summarises `samples` (sorted in place); `None` when there are none.
    ///
    /// The median of an even count is the lower middle one (a sample, never a mean); p99 is the
    /// sample at rank ceil(0.99 n).
    pub(crate) fn of(samples: &mut [u64]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        insertion_sort(samples);
        let n = samples.len();
        Some(Summary {
            min: samples[0],
            median: samples[(n - 1) / 2],
            p99: samples[(n * 99).div_ceil(100) - 1],
            max: samples[n - 1],
        })
    }
}

/// Sorts at most [`MAX_REPEATS`] samples. (Not `sort_unstable`: core's quicksort keeps a panic
/// path that objtool 7.3 cannot tell is noreturn.)
fn insertion_sort(samples: &mut [u64]) {
    for i in 1..samples.len() {
        let mut j = i;
        while j > 0 && samples[j - 1] > samples[j] {
            samples.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// `part / whole` in thousandths, rounded to nearest; `None` when `whole` is 0 or the result
/// does not fit. (64-bit arithmetic only: a 128-bit division needs `__udivti3`, which the
/// kernel does not export; and [`wide::div`] for 32-bit kernels.)
pub(crate) fn ratio_milli(part: u64, whole: u64) -> Option<u64> {
    if whole == 0 {
        return None;
    }
    Some(wide::div(
        part.checked_mul(1000)?.checked_add(whole / 2)?,
        whole,
    ))
}

/// Thousandths written as a decimal: `1004` is `1.004`.
pub(crate) struct Milli(pub(crate) u64);

impl fmt::Display for Milli {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, thousandths) = wide::div_rem(self.0, 1000);
        // CAST: below 1000.
        write!(f, "{}.{:03}", wide::Decimal(whole), thousandths as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_odd_and_even_counts() {
        assert_eq!(Summary::of(&mut []), None);
        assert_eq!(
            Summary::of(&mut [5]),
            Some(Summary {
                min: 5,
                median: 5,
                p99: 5,
                max: 5
            })
        );
        assert_eq!(
            Summary::of(&mut [9, 1, 5]),
            Some(Summary {
                min: 1,
                median: 5,
                p99: 9,
                max: 9
            })
        );
        assert_eq!(
            Summary::of(&mut [4, 3, 2, 1]),
            Some(Summary {
                min: 1,
                median: 2,
                p99: 4,
                max: 4
            })
        );
    }

    #[test]
    fn sorts_what_it_summarises() {
        let mut samples = [7, 3, 9, 1, 3, 8];
        Summary::of(&mut samples);
        assert_eq!(samples, [1, 3, 3, 7, 8, 9]);
    }

    #[test]
    fn p99_of_a_hundred_and_more() {
        let mut samples: Vec<u64> = (1..=200).rev().collect();
        let summary = Summary::of(&mut samples).unwrap();
        assert_eq!((summary.median, summary.p99), (100, 198));
    }

    #[test]
    fn ratios_in_thousandths() {
        assert_eq!(ratio_milli(1004, 1000), Some(1004));
        assert_eq!(ratio_milli(1, 3), Some(333));
        assert_eq!(ratio_milli(2, 3), Some(667));
        assert_eq!(ratio_milli(5, 0), None);
        assert_eq!(ratio_milli(u64::MAX, 1), None);
        assert_eq!(ratio_milli(1 << 50, 1 << 50), Some(1000));
        assert_eq!(format!("{}", Milli(1004)), "1.004");
        assert_eq!(format!("{}", Milli(12)), "0.012");
    }
}
