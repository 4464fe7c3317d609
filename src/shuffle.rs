// SPDX-License-Identifier: GPL-2.0

//! A random order that is the same every time: the order in which a benchmark batch frees its
//! allocations (`pattern=random`), shared by every variant of a case and every run, so that the
//! variants free the same slots in the same sequence and two runs compare.
//!
//! Pure logic: no kernel types, so the host runs its tests with `cargo test` (see `tests/host/`).

/// The seed of every shuffle (any nonzero value; this one is the xorshift paper's).
const SEED: u32 = 2_463_534_242;

/// Fills `order` with `0..order.len()`, shuffled (Fisher–Yates with Marsaglia's xorshift32)
/// when `shuffled`, else in order. A slice longer than `u32::MAX` is filled only that far, its
/// tail left alone (a batch is never that long).
pub(crate) fn fill(order: &mut [u32], shuffled: bool) {
    for (slot, index) in order.iter_mut().zip(0u32..) {
        *slot = index;
    }
    if !shuffled {
        return;
    }
    let mut state = SEED;
    let len = order.len().min(u32::MAX as usize);
    for i in (1..len).rev() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        // CAST: `i < len <= u32::MAX`, and the remainder is at most `i`.
        let j = (state % (i as u32 + 1)) as usize;
        order.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(len: usize, shuffled: bool) -> Vec<u32> {
        let mut order = vec![u32::MAX; len];
        fill(&mut order, shuffled);
        order
    }

    #[test]
    fn every_index_once() {
        for len in [0, 1, 2, 7, 1000] {
            for shuffled in [false, true] {
                let mut order = filled(len, shuffled);
                order.sort_unstable();
                assert!(order.iter().copied().eq(0..len as u32), "{len} {shuffled}");
            }
        }
    }

    #[test]
    fn in_order_unless_shuffled() {
        assert_eq!(filled(5, false), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn the_same_shuffle_every_time_and_far_from_any_simple_order() {
        let order = filled(1000, true);
        assert_eq!(order, filled(1000, true));
        let in_place = order.iter().zip(0..).filter(|&(&a, b)| a == b).count();
        assert!(in_place < 10, "{in_place} indices kept their place");
        let ascending = order.windows(2).filter(|w| w[0] < w[1]).count();
        assert!(
            (400..600).contains(&ascending),
            "{ascending} ascending steps"
        );
        assert_ne!(filled(10, true), filled(10, false));
    }
}
