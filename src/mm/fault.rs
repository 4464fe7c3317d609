// SPDX-License-Identifier: GPL-2.0

//! Real allocation failures on demand, from the kernel's own fault injection.
//!
//! [`FailNth`] arms the current task's `fail_nth` counter, the knob `/proc/self/fail-nth` sets:
//! the n-th failslab / fail_page_alloc decision point the task reaches then fails, exactly as
//! if memory had run out there. memlab's tests use it to prove that every family turns an
//! allocator failure into `ENOMEM` and leaks nothing (the VM suite's kmemleak scans check).
//!
//! The test VM configures the two fault attributes before it loads memlab (see
//! `tests/guest/suite`): `ignore-gfp-wait=N`, so that sleeping allocations can fail too, and
//! fail_page_alloc's `min-order=0`, so that single pages can. Without that configuration, or in
//! a kernel without `CONFIG_FAULT_INJECTION`, nothing is injected and [`FailNth::injected`]
//! says so.

use core::marker::PhantomData;

use kernel::prelude::*;

use crate::shim::generated;

/// An armed `fail_nth` of the current task; dropping it disarms.
///
/// Not `Send`: the counter belongs to the task that armed it.
///
/// # Invariants
///
/// The current task's `fail_nth` was armed by this value and is disarmed only by its `Drop`.
pub(crate) struct FailNth {
    _task_local: PhantomData<*mut ()>,
}

impl FailNth {
    /// Makes the `n`-th (1-based) fault-injection decision point of the current task fail.
    ///
    /// Returns `None` when the kernel cannot inject faults here (no `CONFIG_FAULT_INJECTION`, or
    /// not in task context).
    pub(crate) fn arm(n: u32) -> Option<Self> {
        // SAFETY: Writing the current task's own `fail_nth` has no preconditions.
        // INVARIANT: Armed here; disarmed in `Drop`.
        unsafe { generated::memlab_fail_nth_arm(n) }.then_some(Self {
            _task_local: PhantomData,
        })
    }

    /// Disarms, and says whether the failure was injected (the counter ran down to zero).
    pub(crate) fn injected(self) -> bool {
        let this = core::mem::ManuallyDrop::new(self);
        this.disarm() == 0
    }

    fn disarm(&self) -> u32 {
        // SAFETY: Reading and clearing the current task's own `fail_nth` has no preconditions;
        // `FailNth` is not `Send`, so this is the task that armed it.
        unsafe { generated::memlab_fail_nth_disarm() }
    }
}

impl Drop for FailNth {
    fn drop(&mut self) {
        self.disarm();
    }
}

/// Runs `op` with the current task's `n`-th decision point armed to fail; returns what `op`
/// returned and whether the failure was injected, or `None` when the kernel cannot inject
/// faults here.
pub(crate) fn run_failing<T>(n: u32, op: impl FnOnce() -> T) -> Option<(T, bool)> {
    let fail = FailNth::arm(n)?;
    let result = op();
    Some((result, fail.injected()))
}

/// What [`fail_each_point`] saw.
pub(crate) struct FailWalk {
    /// Decision points the operation reached: the runs in which the armed failure was injected.
    pub(crate) points: u32,
    /// Injected runs the operation reported as `ENOMEM`; the others absorbed the failure (for
    /// example by falling back to smaller allocations).
    pub(crate) errors: u32,
    /// Whether the last run, which passed every decision point, succeeded.
    pub(crate) completed: bool,
}

/// Fails the n-th decision point of `op` for n = 1, 2, ... (syzkaller's fail-nth walk), until a
/// run passes all of them or `max` runs are done. `setup` runs before each arming, so its own
/// allocations are not counted. Every path through `op`'s failure handling is taken once; KASAN
/// and kmemleak then judge whether any of them corrupts or leaks.
///
/// Returns `None` when the kernel cannot inject faults here.
///
/// # Errors
///
/// Any error of `setup`, and any error of `op` other than `ENOMEM`.
pub(crate) fn fail_each_point<S, T>(
    max: u32,
    mut setup: impl FnMut() -> Result<S>,
    mut op: impl FnMut(S) -> Result<T>,
) -> Result<Option<FailWalk>> {
    let mut walk = FailWalk {
        points: 0,
        errors: 0,
        completed: false,
    };
    for n in 1..=max {
        let input = setup()?;
        let Some((result, injected)) = run_failing(n, || op(input)) else {
            return Ok(None);
        };
        if !injected {
            walk.completed = result.is_ok();
            break;
        }
        walk.points += 1;
        match result {
            Ok(_) => {}
            Err(error) if error == ENOMEM => walk.errors += 1,
            Err(error) => return Err(error),
        }
    }
    Ok(Some(walk))
}
