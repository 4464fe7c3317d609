// SPDX-License-Identifier: GPL-2.0

//! Room for the pointers of a bulk allocation.
//!
//! The bulk APIs (`kmem_cache_alloc_bulk`, `alloc_pages_bulk`) fill an array their caller
//! provides. A [`BulkSlots`] is that array, made once (it allocates, so it sleeps) and lent to
//! one bulk allocation at a time: [`SlabBulk`](crate::mm::kmem_cache::bulk::SlabBulk) and
//! [`PageBulk`](crate::mm::pages::bulk::PageBulk) take it and hand it back when they free their
//! memory, so a loop of bulk allocations allocates nothing else.

use kernel::{
    alloc::KVVec,
    prelude::*, //
};

/// Room for `capacity()` pointers to `P` (objects, or `struct page`).
///
/// # Invariants
///
/// The vector's length stays 0: the entries live in its spare capacity, written by C and read
/// only by the bulk types, which know how many they own.
pub(crate) struct BulkSlots<P>(KVVec<*mut P>);

impl<P> Default for BulkSlots<P> {
    /// No room (nothing allocated): what a bulk leaves behind once it handed its room back.
    fn default() -> Self {
        // INVARIANT: A new vector is empty.
        Self(KVVec::new())
    }
}

impl<P> BulkSlots<P> {
    /// Room for `capacity` pointers. Sleeps.
    ///
    /// # Errors
    ///
    /// `ENOMEM` when the room cannot be allocated.
    pub(crate) fn new(capacity: usize) -> Result<Self> {
        // INVARIANT: A new vector is empty.
        Ok(Self(KVVec::with_capacity(capacity, GFP_KERNEL)?))
    }

    /// How many pointers the room holds.
    pub(crate) fn capacity(&self) -> usize {
        self.0.capacity()
    }

    /// The first `n` entries, as C's array, or `None` if the room is smaller.
    pub(super) fn array(&mut self, n: usize) -> Option<*mut *mut P> {
        let spare = self.0.spare_capacity_mut();
        (n <= spare.len()).then(|| spare.as_mut_ptr().cast())
    }

    /// Entry `index`.
    ///
    /// # Safety
    ///
    /// `index` is within the capacity, and the entry was written (by C, through
    /// [`BulkSlots::array`]) since the room was made.
    pub(super) unsafe fn get(&self, index: usize) -> *mut P {
        // SAFETY: The caller's contract: `index` is within the allocation and was written with
        // a pointer (a plain value, valid for any bits once written).
        unsafe { self.0.as_ptr().add(index).read() }
    }
}
