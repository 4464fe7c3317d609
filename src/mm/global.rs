// SPDX-License-Identifier: GPL-2.0

//! A module-wide global behind a `global_lock!`, opened once and closed at unload.
//!
//! A `global_lock!` static with `unsafe(uninit)` must be initialised exactly once, before its
//! first use. [`Global`] pairs such a static with a [`Lifecycle`]: [`Global::open`] initialises
//! the lock for the one caller that wins, and hands it an [`OpenGlobal`] whose `Drop` closes the
//! global and empties it (a `static` is never dropped, so what it holds would otherwise leak at
//! unload); [`Global::lock`] locks only an open global. memlab's globals (the kmem_cache name
//! registry, the edu device slot) are each one `Global`, so no safe function has a "call me
//! first" precondition: a use before opening or after closing is `ENODEV`.

use kernel::{
    prelude::*,
    sync::lock::{
        GlobalGuard,
        GlobalLock,
        GlobalLockBackend, //
    },
};

use crate::mm::lifecycle::Lifecycle;

/// A `global_lock!` static and where it is in its life.
///
/// # Invariants
///
/// `lock` is used only through this value: it is initialised by [`Global::open`] (at most once,
/// by `life`) and locked only while `life` is open.
pub(crate) struct Global<B: GlobalLockBackend + 'static> {
    lock: &'static GlobalLock<B>,
    life: Lifecycle,
}

impl<B: GlobalLockBackend + 'static> Global<B>
where
    B::Item: Default + Unpin,
{
    /// Takes charge of `lock`.
    ///
    /// # Safety
    ///
    /// Nothing but the returned value uses `lock` (the `global_lock!` static it names is reached
    /// only through it), and only one `Global` is made for it.
    pub(crate) const unsafe fn new(lock: &'static GlobalLock<B>) -> Self {
        // INVARIANT: The caller hands `lock` over whole; `life` starts unclaimed.
        Self {
            lock,
            life: Lifecycle::new(),
        }
    }

    /// Initialises and opens the global; it stays open until the returned value is dropped.
    ///
    /// # Errors
    ///
    /// `EBUSY` if it was opened before (in this load of the module).
    pub(crate) fn open(&'static self) -> Result<OpenGlobal<B>> {
        // SAFETY: `open_once` runs this at most once, and before it opens `life`, so before
        // `Global::lock` can lock `lock`; nothing else initialises `lock` (type invariant).
        if !self.life.open_once(|| unsafe { self.lock.init() }) {
            return Err(EBUSY);
        }
        // Only now: dropping this value closes the global.
        Ok(OpenGlobal { global: self })
    }

    /// The global's value, locked.
    ///
    /// # Errors
    ///
    /// `ENODEV` when the global is not open (not yet, or not any more).
    pub(crate) fn lock(&'static self) -> Result<GlobalGuard<B>> {
        self.life.lock_open(|| self.lock.lock()).ok_or(ENODEV)
    }
}

/// An open [`Global`]; dropping it closes the global and drops what it held.
pub(crate) struct OpenGlobal<B: GlobalLockBackend + 'static>
where
    B::Item: Default + Unpin,
{
    global: &'static Global<B>,
}

impl<B: GlobalLockBackend + 'static> Drop for OpenGlobal<B>
where
    B::Item: Default + Unpin,
{
    fn drop(&mut self) {
        // The global was opened by this value, so `lock` is initialised.
        let mut guard = self.global.lock.lock();
        self.global.life.close();
        let held = core::mem::take(&mut *guard);
        drop(guard);
        drop(held);
    }
}
