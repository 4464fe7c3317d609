// SPDX-License-Identifier: GPL-2.0

//! What an owned memory buffer holds: initialised bytes, or bytes nobody has written yet.
//!
//! Most kernel allocators (kmalloc, vmalloc, alloc_pages, kmem_cache_alloc) return memory with
//! undefined contents unless asked to zero it. memlab's buffers are generic over [`Byte`]:
//! `MaybeUninit<u8>` for what the allocator returned as is, `u8` once every byte is defined (the
//! allocator zeroed it, or the buffer was filled). Safe code can therefore never read a byte that
//! was never written.

use core::mem::MaybeUninit;

use crate::shim::generated;

mod sealed {
    pub(crate) trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for core::mem::MaybeUninit<u8> {}
}

/// The element type of a memlab buffer: `u8` (initialised) or `MaybeUninit<u8>` (not yet).
///
/// Sealed: no other type can claim to be a byte.
pub(crate) trait Byte: sealed::Sealed + Sized {
    /// Whether a buffer of this type has every byte initialised (`u8`): what a buffer must keep
    /// true when it grows.
    const INITIALISED: bool;
}
impl Byte for u8 {
    const INITIALISED: bool = true;
}
impl Byte for MaybeUninit<u8> {
    const INITIALISED: bool = false;
}

/// Makes `bytes` readable with whatever they hold, and returns them as initialised bytes.
///
/// This is LLVM's `freeze` for memory, done the way the kernel would: the bytes are handed to
/// an out-of-line C function (`memlab_freeze`) that may, as far as any compiler knows, have
/// written every one of them. Nothing changes at run time; the bytes keep what the allocator
/// left (stale data, slab poison, zeroes), which is what the lab shows users. Reading them
/// afterwards reads defined values, never uninitialised memory.
pub(crate) fn freeze(bytes: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    let len = bytes.len();
    let ptr = bytes.as_mut_ptr();
    // SAFETY: `ptr` is valid for reads and writes of `len` bytes (it comes from `bytes`, which is
    // borrowed exclusively for the call); `memlab_freeze` touches nothing else.
    unsafe { generated::memlab_freeze(ptr.cast(), len) };
    // SAFETY: After the call, every byte holds what the C side left there: an initialised `u8`
    // for Rust (C may have written each byte; the compiler cannot assume otherwise).
    // `MaybeUninit<u8>` and `u8` have the same layout, and the exclusive borrow moves on to the
    // result.
    unsafe { core::slice::from_raw_parts_mut(ptr.cast::<u8>(), len) }
}
