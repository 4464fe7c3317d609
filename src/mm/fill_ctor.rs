// SPDX-License-Identifier: GPL-2.0

//! Slab constructors chosen at run time: "fill every new object with this byte".
//!
//! The kernel calls a slab constructor with the object alone (`void ctor(void *)`): no cache, no
//! size, no context. A [`Constructor`](crate::mm::kmem_cache::Constructor) type fixes its size
//! and work at compile time; a byte and size picked at run time (the lab's `ctor=BYTE`) need
//! somewhere to live instead. Here: [`SLOTS`] fixed slots, each with its own C callback
//! (`fill::<I>`, one monomorphic function per slot) that reads the size and byte of its slot. A
//! cache claims a slot before it is created ([`FillSlot::claim`]) and releases it after it is
//! destroyed, so a callback only ever runs for the cache that holds its slot, on objects of the
//! slot's size.

use core::sync::atomic::{
    AtomicBool,
    AtomicU8,
    AtomicUsize,
    Ordering, //
};

use kernel::prelude::*;

/// How many caches may have a run-time constructor at once.
pub(crate) const SLOTS: usize = 8;

/// One slot: whether a cache holds it, and what its constructor writes.
struct Slot {
    held: AtomicBool,
    size: AtomicUsize,
    byte: AtomicU8,
}

static TABLE: [Slot; SLOTS] = [const {
    Slot {
        held: AtomicBool::new(false),
        size: AtomicUsize::new(0),
        byte: AtomicU8::new(0),
    }
}; SLOTS];

/// The C constructor of slot `I`: fills the object with the slot's byte.
///
/// # Safety
///
/// `object` points to a writable object of the size slot `I` holds, which nothing else uses yet
/// (the kernel calls this for a new object of the cache that claimed slot `I`).
unsafe extern "C" fn fill<const I: usize>(object: *mut kernel::ffi::c_void) {
    let slot = &TABLE[I];
    let (size, byte) = (
        slot.size.load(Ordering::Acquire),
        slot.byte.load(Ordering::Acquire),
    );
    // SAFETY: `object` is writable for `size` bytes (function safety requirement).
    unsafe { object.cast::<u8>().write_bytes(byte, size) };
}

/// The callback of each slot, by index.
const CALLBACKS: [unsafe extern "C" fn(*mut kernel::ffi::c_void); SLOTS] = [
    fill::<0>, fill::<1>, fill::<2>, fill::<3>, fill::<4>, fill::<5>, fill::<6>, fill::<7>,
];

/// A slot claimed for one cache: its callback fills `size`-byte objects with `byte`.
///
/// # Invariants
///
/// `TABLE[index]` is held by `self` (until dropped, or for good once [`FillSlot::keep`]), with
/// the size and byte it was claimed with.
pub(crate) struct FillSlot {
    index: usize,
    kept: bool,
}

impl FillSlot {
    /// Claims a free slot for objects of `size` bytes, filled with `byte`.
    ///
    /// # Errors
    ///
    /// `EBUSY` when every slot is held.
    pub(crate) fn claim(size: usize, byte: u8) -> Result<Self> {
        for (index, slot) in TABLE.iter().enumerate() {
            if slot
                .held
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                // Written before the cache exists, so before any call of the callback (creating
                // the cache takes the kernel's slab mutex, ordering these stores before it).
                slot.size.store(size, Ordering::Release);
                slot.byte.store(byte, Ordering::Release);
                // INVARIANT: Claimed just above, with `size` and `byte`.
                return Ok(Self { index, kept: false });
            }
        }
        Err(EBUSY)
    }

    /// The C constructor to create the cache with.
    pub(crate) fn callback(&self) -> unsafe extern "C" fn(*mut kernel::ffi::c_void) {
        CALLBACKS[self.index]
    }

    /// The byte the constructor writes.
    pub(crate) fn byte(&self) -> u8 {
        TABLE[self.index].byte.load(Ordering::Relaxed)
    }

    /// Keeps the slot held for good: for a cache that is never destroyed (it still has objects,
    /// and a new slab may still be constructed).
    pub(crate) fn keep(&mut self) {
        self.kept = true;
    }
}

impl Drop for FillSlot {
    fn drop(&mut self) {
        if !self.kept {
            // The cache that held it is destroyed: no callback of this slot runs any more.
            TABLE[self.index].held.store(false, Ordering::Release);
        }
    }
}
