// SPDX-License-Identifier: GPL-2.0

//! Handles: how a wrapper value refers to the value it depends on (the cache a slab object came
//! from, the pool an element came from).
//!
//! Two forms, one type each:
//!
//! - borrowed, `&T`: the dependent cannot outlive a borrow, checked at compile time. The better
//!   API when the dependents live in one scope (a test, a benchmark loop): nothing is counted.
//! - owned, `Arc<T>`: the dependent keeps `T` alive for as long as it lives, and `T` is dropped
//!   with its last reference, whoever holds it. The form for a table that keeps objects across
//!   system calls (the lab), where no borrow can span the calls.
//!
//! The wrappers are generic over [`Handle`], so both forms share one implementation and one
//! `Drop`, and a drop still finds its cache or pool alive.

use core::ops::Deref;

use kernel::sync::Arc;

/// A reference that keeps one `T` alive and in place.
///
/// # Safety
///
/// For as long as a value of the implementing type lives, every `deref` of it returns a reference
/// to the same `T`, which stays alive and does not move.
pub(crate) unsafe trait Handle<T>: Deref<Target = T> {
    /// Whether dropping the handle may drop the `T` (the owned form). A dependent whose drop may
    /// so destroy a cache or a pool (which sleeps) calls `might_sleep()` when this is `true`, so
    /// a drop in atomic context is reported every time, not only when it was the last one.
    const OWNS: bool;
}

// SAFETY: A shared reference refers to one `T`, which cannot be dropped or moved while borrowed.
unsafe impl<T> Handle<T> for &T {
    const OWNS: bool = false;
}

// SAFETY: An `Arc` refers to one `T` in its allocation, which is freed only after the last `Arc`
// is dropped; the allocation never moves.
unsafe impl<T> Handle<T> for Arc<T> {
    const OWNS: bool = true;
}
