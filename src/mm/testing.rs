// SPDX-License-Identifier: GPL-2.0

//! Helpers for memlab's in-module KUnit suites.
//!
//! The `kernel` crate's KUnit support (`#[kunit_tests]`, `assert!`) has no way to skip a case;
//! [`skip`] marks the current case skipped, with a reason, through the C macro.

use kernel::prelude::*;

use crate::{
    mm::{
        fault::{
            self,
            FailWalk, //
        },
        gfp::Gfp,
        kmalloc::KmallocBuf,
        pages::Pages, //
    },
    shim::{
        self,
        generated, //
    },
};

/// Marks the running KUnit case as skipped because of `reason`; the case should return `Ok`
/// right after. Outside a KUnit case it does nothing.
pub(crate) fn skip(reason: &CStr) {
    // SAFETY: `reason` is a NUL-terminated string that outlives the call, which copies it.
    unsafe { generated::memlab_kunit_skip(reason.as_char_ptr()) };
}

/// Whether the machine has RAM above 4 GiB: without it, "this memory is below 4 GiB" (GFP_DMA32,
/// vmalloc_32) holds for every allocation and proves nothing.
pub(crate) fn ram_above_4g() -> bool {
    const FIRST_PFN_ABOVE_4G: u64 = 1 << (32 - kernel::bindings::PAGE_SHIFT);
    shim::zones().any(|zone| zone.end_pfn > FIRST_PFN_ABOVE_4G && zone.present_pages > 0)
}

/// Why a failure-path case skips: the kernel has no fault injection.
const NO_FAULT_INJECTION: &CStr = c"no fault injection in this kernel";
/// Why a failure-path case skips: the fault attributes spare what the case must fail.
const FAULT_INJECTION_OFF: &CStr = c"failslab / fail_page_alloc spare sleeping or order-0 \
    allocations (ignore-gfp-wait=Y or min-order>0, the defaults); tests/guest/suite sets them";

/// Whether this task's `fail_nth` can fail a sleeping kmalloc and a sleeping order-0 page
/// allocation: what memlab's failure-path cases need. The kernel's defaults
/// (`ignore-gfp-wait=Y`, fail_page_alloc's `min-order=1`) spare both, so after a plain `insmod`
/// the cases skip instead of failing; the VM suite turns both on.
///
/// Each probe's first decision point is the allocator's own (failslab, fail_page_alloc): the
/// failure counts only if that allocation itself returned `ENOMEM`.
fn sleeping_allocations_can_fail() -> bool {
    let gfp = Gfp::KERNEL | Gfp::NOWARN;
    let slab = fault::run_failing(1, || KmallocBuf::new_uninit(8, gfp).err());
    let pages = fault::run_failing(1, || Pages::alloc(0, gfp).err());
    matches!(slab, Some((Some(ENOMEM), true))) && matches!(pages, Some((Some(ENOMEM), true)))
}

/// `None` when memlab's failure-path cases can run here, otherwise why not.
fn fault_injection_missing() -> Option<&'static CStr> {
    if fault::run_failing(1, || ()).is_none() {
        Some(NO_FAULT_INJECTION)
    } else if !sleeping_allocations_can_fail() {
        Some(FAULT_INJECTION_OFF)
    } else {
        None
    }
}

/// [`fault::run_failing`] for a KUnit case: returns what `op` returned with its `n`-th decision
/// point failed, or skips the case (and returns `None`) when nothing could be injected.
pub(crate) fn fail_nth<T>(n: u32, op: impl FnOnce() -> T) -> Option<T> {
    if let Some(reason) = fault_injection_missing() {
        skip(reason);
        return None;
    }
    match fault::run_failing(n, op) {
        None => {
            skip(NO_FAULT_INJECTION);
            None
        }
        Some((_, false)) => {
            skip(FAULT_INJECTION_OFF);
            None
        }
        Some((result, true)) => Some(result),
    }
}

/// [`fault::fail_each_point`] for a KUnit case: skips the case (and returns `None`) when the
/// kernel cannot inject faults, or when its fault attributes spare sleeping or order-0
/// allocations, or when no decision point was reached.
///
/// # Errors
///
/// As [`fault::fail_each_point`].
pub(crate) fn fail_each_point<S, T>(
    max: u32,
    setup: impl FnMut() -> Result<S>,
    op: impl FnMut(S) -> Result<T>,
) -> Result<Option<FailWalk>> {
    if let Some(reason) = fault_injection_missing() {
        skip(reason);
        return Ok(None);
    }
    match fault::fail_each_point(max, setup, op)? {
        None => {
            skip(NO_FAULT_INJECTION);
            Ok(None)
        }
        Some(walk) if walk.points == 0 => {
            skip(FAULT_INJECTION_OFF);
            Ok(None)
        }
        walk => Ok(walk),
    }
}
