// SPDX-License-Identifier: GPL-2.0

//! The life of a module-wide global: opened once by the module initialiser, closed at unload.
//!
//! A `global_lock!` static with `unsafe(uninit)` must be initialised exactly once, before its
//! first use. memlab's globals (the kmem_cache name registry, the edu device slot) pair such a
//! static with a [`Lifecycle`] (through `crate::mm::global::Global`): [`Lifecycle::open_once`] runs the lock's initialisation for the
//! one caller that wins the claim, and every use goes through [`Lifecycle::lock_open`]. So a
//! second initialisation cannot happen, a use before initialisation or after unload is an error
//! instead of undefined behaviour, and no safe function has a precondition.

use core::sync::atomic::{
    AtomicU8,
    Ordering, //
};

/// Nobody has claimed the global yet.
const UNCLAIMED: u8 = 0;
/// Claimed: the owner is initialising it.
const OPENING: u8 = 1;
/// Initialised and in use.
const OPEN: u8 = 2;
/// Closed for good (the module is unloading).
const CLOSED: u8 = 3;

/// Where a module-wide global is in its life: unclaimed, opening, open or closed, in that order.
pub(crate) struct Lifecycle(AtomicU8);

impl Lifecycle {
    /// An unclaimed global.
    pub(crate) const fn new() -> Self {
        Self(AtomicU8::new(UNCLAIMED))
    }

    /// Claims the one right to initialise the global: `true` for exactly one caller, ever.
    fn claim(&self) -> bool {
        self.0
            .compare_exchange(UNCLAIMED, OPENING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Marks the claimed global initialised; it may be used from now on.
    fn open(&self) {
        self.0.store(OPEN, Ordering::Release);
    }

    /// Claims the global and, for the one caller that wins, runs `init` (the global's
    /// initialisation) and opens it. `false` when the global was claimed before: `init` has not
    /// run, and never will for this caller.
    pub(crate) fn open_once(&self, init: impl FnOnce()) -> bool {
        if !self.claim() {
            return false;
        }
        init();
        self.open();
        true
    }

    /// Whether the global is initialised and not closed: only then may it be used.
    pub(crate) fn is_open(&self) -> bool {
        self.0.load(Ordering::Acquire) == OPEN
    }

    /// Takes the global's lock with `lock` (which returns its guard) only if the global is open,
    /// and returns the guard only if it is still open once the lock is held: the owner closes
    /// it under the same lock, so a holder of the guard never sees a closed global.
    pub(crate) fn lock_open<G>(&self, lock: impl FnOnce() -> G) -> Option<G> {
        if !self.is_open() {
            return None;
        }
        let guard = lock();
        self.is_open().then_some(guard)
    }

    /// Closes the global for good; [`Lifecycle::is_open`] is `false` from now on. The owner
    /// calls it while holding the global's lock.
    pub(crate) fn close(&self) {
        self.0.store(CLOSED, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_claim_wins_and_nothing_is_open_before_open() {
        let global = Lifecycle::new();
        assert!(!global.is_open());
        assert!(global.claim());
        assert!(!global.is_open());
        assert!(!global.claim());
        global.open();
        assert!(global.is_open());
        assert!(!global.claim());
    }

    #[test]
    fn open_once_initialises_exactly_once() {
        let global = Lifecycle::new();
        let mut inits = 0;
        assert!(global.open_once(|| inits += 1));
        assert!(global.is_open());
        assert!(!global.open_once(|| inits += 1));
        assert_eq!(inits, 1);
    }

    #[test]
    fn a_closed_global_stays_closed() {
        let global = Lifecycle::new();
        assert!(global.claim());
        global.open();
        global.close();
        assert!(!global.is_open());
        assert!(!global.claim());
    }

    #[test]
    fn only_an_open_global_is_locked() {
        let global = Lifecycle::new();
        let mut locked = 0;
        assert!(global.lock_open(|| locked += 1).is_none());
        assert_eq!(locked, 0);
        assert!(global.claim());
        global.open();
        assert!(global.lock_open(|| locked += 1).is_some());
        // Closed while the lock was being taken: the guard is not handed out.
        assert!(global.lock_open(|| global.close()).is_none());
        assert!(global.lock_open(|| locked += 1).is_none());
        assert_eq!(locked, 1);
    }
}
