// SPDX-License-Identifier: GPL-2.0

//! The wrappers: one safe Rust type per C memory API family, each freeing in its `Drop`.
//!
//! This layer imports nothing above it (not the edu driver, not the lab): only the `kernel`
//! crate, the FFI edge ([`crate::shim`]) and the pure ground files ([`crate::facts`],
//! [`crate::units`], [`crate::shuffle`]). Each family's KUnit suite (`memlab_<family>`) sits at
//! the end of its file; the DMA and ioremap cases that need a real device live with the device,
//! in `crate::edu`.
//!
//! - GFP flags and which family takes which: [`gfp`], [`gfp_policy`] (pure), [`flags`] (pure).
//! - The families: [`kmalloc`], [`vmalloc`], [`pages`] (and [`high_pages`], pages that may have
//!   no kernel address; [`page_block`], what [`vmap`] and [`kmap`] map), [`vmap`], [`kmap`],
//!   [`ioremap`],
//!   [`kmem_cache`] (with [`fill_ctor`], run-time constructors), [`mempool`], [`dma`].
//! - The benchmarks' C baseline: [`baseline`], loops in C behind the wrappers' checks.
//! - What they share: [`byte`] (initialised or not), [`handle`] (borrowed or owned),
//!   [`bulk_slots`] (the room of a bulk allocation), [`global`]
//!   and [`lifecycle`] (pure) for module-wide registries.
//! - For the tests, and built only with KUnit as the suites are: `fault` (real failures from
//!   the kernel's fault injection) and `testing`.

pub(crate) mod baseline;
pub(crate) mod bulk_slots;
pub(crate) mod byte;
pub(crate) mod dma;
#[cfg(CONFIG_KUNIT = "y")]
pub(crate) mod fault;
pub(crate) mod fill_ctor;
pub(crate) mod flags;
pub(crate) mod gfp;
pub(crate) mod gfp_policy;
pub(crate) mod global;
pub(crate) mod handle;
pub(crate) mod high_pages;
pub(crate) mod ioremap;
pub(crate) mod kmalloc;
pub(crate) mod kmap;
pub(crate) mod kmem_cache;
pub(crate) mod lifecycle;
pub(crate) mod mempool;
pub(crate) mod page_block;
pub(crate) mod pages;
#[cfg(CONFIG_KUNIT = "y")]
pub(crate) mod testing;
pub(crate) mod vmalloc;
pub(crate) mod vmap;
