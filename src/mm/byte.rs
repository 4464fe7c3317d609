// SPDX-License-Identifier: GPL-2.0

//! What an owned memory buffer holds: initialised bytes, or bytes nobody has written yet.
//!
//! Most kernel allocators (kmalloc, vmalloc, alloc_pages, kmem_cache_alloc) return memory with
//! undefined contents unless asked to zero it. memlab's buffers are generic over [`Byte`]:
//! `MaybeUninit<u8>` for what the allocator returned as is, `u8` once every byte is defined (the
//! allocator zeroed it, or the buffer was filled). Safe code can therefore never read a byte that
//! was never written.

use core::mem::MaybeUninit;

mod sealed {
    pub(crate) trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for core::mem::MaybeUninit<u8> {}
}

/// The element type of a memlab buffer: `u8` (initialised) or `MaybeUninit<u8>` (not yet).
///
/// Sealed: no other type can claim to be a byte.
pub(crate) trait Byte: sealed::Sealed + Sized {}
impl Byte for u8 {}
impl Byte for MaybeUninit<u8> {}
