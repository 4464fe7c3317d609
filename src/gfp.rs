// SPDX-License-Identifier: GPL-2.0

//! GFP flags: a typed set of the kernel's allocation flags, printable and parseable by name.
//!
//! The values come from the kernel itself (`bindings::GFP_*` where bindgen can evaluate the
//! macro, otherwise the `___GFP_*_BIT` enumerators of
//! [`include/linux/gfp_types.h`](srctree/include/linux/gfp_types.h)), so they cannot drift.
//! The `kernel` crate's own `alloc::Flags` cannot be turned into a raw `gfp_t` outside that
//! crate and has only seven constants, hence this type.

use core::{
    fmt,
    ops::BitOr, //
};

use kernel::{
    bindings,
    prelude::*, //
};

use crate::flags::{
    self,
    FlagName, //
};

const fn bit(bit: u32) -> bindings::gfp_t {
    1 << bit
}

/// A set of GFP flags, as passed to the kernel's allocators.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gfp(bindings::gfp_t);

impl Gfp {
    /// `GFP_KERNEL`: may sleep, reclaim and do I/O; the default for process context.
    pub(crate) const KERNEL: Self = Self(bindings::GFP_KERNEL);
    /// `GFP_ATOMIC`: never sleeps, may use the atomic reserves.
    pub(crate) const ATOMIC: Self = Self(bindings::GFP_ATOMIC);
    /// `GFP_NOWAIT`: never sleeps, no reserves, no warning on failure.
    pub(crate) const NOWAIT: Self = Self(bindings::GFP_NOWAIT);
    /// `GFP_USER`: `GFP_KERNEL` restricted to the task's cpuset (`__GFP_HARDWALL`).
    pub(crate) const USER: Self = Self(bindings::GFP_KERNEL | bit(bindings::___GFP_HARDWALL_BIT));
    /// `GFP_DMA`: memory from ZONE_DMA (below 16 MiB on x86).
    pub(crate) const DMA: Self = Self(bit(bindings::___GFP_DMA_BIT));
    /// `GFP_DMA32`: memory from ZONE_DMA32 (below 4 GiB).
    pub(crate) const DMA32: Self = Self(bit(bindings::___GFP_DMA32_BIT));
    /// `__GFP_ZERO`: the memory is zeroed.
    pub(crate) const ZERO: Self = Self(bindings::__GFP_ZERO);
    /// `__GFP_NOWARN`: no allocation-failure report in dmesg.
    pub(crate) const NOWARN: Self = Self(bindings::__GFP_NOWARN);
    /// `__GFP_NORETRY`: give up early, before the OOM killer.
    pub(crate) const NORETRY: Self = Self(bit(bindings::___GFP_NORETRY_BIT));
    /// `__GFP_RETRY_MAYFAIL`: retry hard, but fail rather than invoke the OOM killer.
    pub(crate) const RETRY_MAYFAIL: Self = Self(bit(bindings::___GFP_RETRY_MAYFAIL_BIT));
    /// `__GFP_COMP`: a high-order page block becomes one compound page.
    pub(crate) const COMP: Self = Self(bit(bindings::___GFP_COMP_BIT));
    /// `__GFP_ACCOUNT`: charge the allocation to the task's memory cgroup.
    pub(crate) const ACCOUNT: Self = Self(bit(bindings::___GFP_ACCOUNT_BIT));
    /// `__GFP_HIGH`: may use part of the emergency reserves.
    pub(crate) const HIGH: Self = Self(bit(bindings::___GFP_HIGH_BIT));
    /// `__GFP_HIGHMEM`: memory that may lie outside the direct map (none on x86_64).
    pub(crate) const HIGHMEM: Self = Self(bit(bindings::___GFP_HIGHMEM_BIT));
    /// `__GFP_NOFAIL`: retry forever (memlab refuses it, see [`Gfp::check_allocation`]).
    pub(crate) const NOFAIL: Self = Self(bit(bindings::___GFP_NOFAIL_BIT));
    /// `__GFP_DIRECT_RECLAIM`: may reclaim directly, and therefore sleep.
    pub(crate) const DIRECT_RECLAIM: Self = Self(bit(bindings::___GFP_DIRECT_RECLAIM_BIT));

    /// Every name `Display` and [`Gfp::parse`] know, composites first (see [`flags`]).
    const NAMES: [FlagName; 22] = [
        Self::USER.name("GFP_USER"),
        Self::KERNEL.name("GFP_KERNEL"),
        Self::ATOMIC.name("GFP_ATOMIC"),
        Self::NOWAIT.name("GFP_NOWAIT"),
        Self::DMA.name("GFP_DMA"),
        Self::DMA32.name("GFP_DMA32"),
        Self::ZERO.name("__GFP_ZERO"),
        Self::NOWARN.name("__GFP_NOWARN"),
        Self::NORETRY.name("__GFP_NORETRY"),
        Self::RETRY_MAYFAIL.name("__GFP_RETRY_MAYFAIL"),
        Self::COMP.name("__GFP_COMP"),
        Self::ACCOUNT.name("__GFP_ACCOUNT"),
        Self::HIGH.name("__GFP_HIGH"),
        Self::DIRECT_RECLAIM.name("__GFP_DIRECT_RECLAIM"),
        Self(bit(bindings::___GFP_KSWAPD_RECLAIM_BIT)).name("__GFP_KSWAPD_RECLAIM"),
        Self(bit(bindings::___GFP_IO_BIT)).name("__GFP_IO"),
        Self(bit(bindings::___GFP_FS_BIT)).name("__GFP_FS"),
        Self(bit(bindings::___GFP_HARDWALL_BIT)).name("__GFP_HARDWALL"),
        Self::NOFAIL.name("__GFP_NOFAIL"),
        Self(bit(bindings::___GFP_MOVABLE_BIT)).name("__GFP_MOVABLE"),
        Self(bit(bindings::___GFP_RECLAIMABLE_BIT)).name("__GFP_RECLAIMABLE"),
        Self::HIGHMEM.name("__GFP_HIGHMEM"),
    ];

    const fn name(self, name: &'static str) -> FlagName {
        FlagName { name, bits: self.0 }
    }

    /// The raw `gfp_t` to hand to C.
    pub(crate) const fn as_raw(self) -> bindings::gfp_t {
        self.0
    }

    /// Whether every flag of `other` is set in `self`.
    pub(crate) const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag of `other` is set in `self`.
    pub(crate) const fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether an allocation with these flags may sleep (`__GFP_DIRECT_RECLAIM`), and so must
    /// not be made in atomic context.
    pub(crate) const fn may_sleep(self) -> bool {
        self.contains(Self::DIRECT_RECLAIM)
    }

    /// Checks flags for an allocation through memlab, and announces a possible sleep
    /// (`might_sleep()`) when they allow one.
    ///
    /// Every memlab allocation calls this first, so that `CONFIG_DEBUG_ATOMIC_SLEEP` reports a
    /// sleeping allocation made in atomic context at every call, not only on the rare call that
    /// actually sleeps. Flags without `__GFP_DIRECT_RECLAIM` (`GFP_ATOMIC`, `GFP_NOWAIT`) are the
    /// caller's explicit choice to allocate without sleeping.
    ///
    /// # Errors
    ///
    /// `EINVAL` for more than one zone modifier (`GFP_DMA`, `GFP_DMA32`, `__GFP_HIGHMEM`): the
    /// kernel's `GFP_ZONE_BAD` combinations, a `BUG` under `CONFIG_DEBUG_VM`; and for
    /// `__GFP_NOFAIL`: memlab's allocations report failure as `ENOMEM`, and the kernel warns about
    /// several uses of the flag (without direct reclaim, at costly orders).
    #[track_caller]
    pub(crate) fn check_allocation(self) -> Result {
        let zones = Self::DMA.0 | Self::DMA32.0 | Self::HIGHMEM.0;
        if (self.0 & zones).count_ones() > 1 || self.contains(Self::NOFAIL) {
            return Err(EINVAL);
        }
        if self.may_sleep() {
            kernel::task::might_sleep();
        }
        Ok(())
    }

    /// [`Gfp::check_allocation`] for the slab allocator (kmalloc, kmem_cache, mempools over them).
    ///
    /// # Errors
    ///
    /// As [`Gfp::check_allocation`]; also `EINVAL` for `GFP_DMA32` and `__GFP_HIGHMEM`, which
    /// slab cannot honour (the kernel's `GFP_SLAB_BUG_MASK`: there are no such slab caches, and
    /// the kernel warns and strips them).
    #[track_caller]
    pub(crate) fn check_slab_allocation(self) -> Result {
        if self.intersects(Self::DMA32 | Self::HIGHMEM) {
            return Err(EINVAL);
        }
        self.check_allocation()
    }

    /// Parses `|`-separated flag names, e.g. `GFP_KERNEL|__GFP_ZERO`.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the text is empty or names an unknown flag.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        flags::parse_flags(text, &Self::NAMES)
            .map(Self)
            .map_err(|_| EINVAL)
    }
}

impl BitOr for Gfp {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

impl fmt::Display for Gfp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        flags::write_flags(f, self.0, &Self::NAMES)
    }
}

impl kernel::fmt::Display for Gfp {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[kunit_tests(memlab_gfp)]
mod tests {
    use super::*;
    use kernel::str::CString;

    fn text(gfp: Gfp) -> Result<CString> {
        CString::try_from_fmt(fmt!("{gfp}"))
    }

    #[test]
    fn values_are_the_kernels() {
        assert_eq!(Gfp::KERNEL.as_raw(), bindings::GFP_KERNEL);
        assert_eq!(Gfp::ATOMIC.as_raw(), bindings::GFP_ATOMIC);
        assert_eq!(Gfp::NOWAIT.as_raw(), bindings::GFP_NOWAIT);
        assert_eq!(Gfp::ZERO.as_raw(), bindings::__GFP_ZERO);
        assert_eq!(Gfp::NOWARN.as_raw(), bindings::__GFP_NOWARN);
        assert!(Gfp::USER.contains(Gfp::KERNEL));
    }

    #[test]
    fn flags_no_allocation_may_take_are_refused() {
        assert!(Gfp::KERNEL.check_allocation().is_ok());
        assert!((Gfp::ATOMIC | Gfp::DMA32).check_allocation().is_ok());
        for bad in [
            Gfp::KERNEL | Gfp::NOFAIL,
            Gfp::KERNEL | Gfp::DMA | Gfp::DMA32,
            Gfp::KERNEL | Gfp::DMA32 | Gfp::HIGHMEM,
        ] {
            assert_eq!(bad.check_allocation().err(), Some(EINVAL));
        }
        assert!((Gfp::KERNEL | Gfp::DMA).check_slab_allocation().is_ok());
        assert_eq!(
            (Gfp::KERNEL | Gfp::DMA32).check_slab_allocation().err(),
            Some(EINVAL)
        );
    }

    #[test]
    fn only_reclaiming_flags_may_sleep() {
        assert!(Gfp::KERNEL.may_sleep());
        assert!(Gfp::USER.may_sleep());
        assert!(!Gfp::ATOMIC.may_sleep());
        assert!(!Gfp::NOWAIT.may_sleep());
        assert!(!(Gfp::ATOMIC | Gfp::ZERO | Gfp::DMA).may_sleep());
    }

    #[test]
    fn flags_print_by_name() -> Result {
        assert_eq!(text(Gfp::KERNEL)?.to_bytes(), b"GFP_KERNEL");
        assert_eq!(
            text(Gfp::KERNEL | Gfp::ZERO)?.to_bytes(),
            b"GFP_KERNEL|__GFP_ZERO"
        );
        assert_eq!(
            text(Gfp::ATOMIC | Gfp::NOWARN)?.to_bytes(),
            b"GFP_ATOMIC|__GFP_NOWARN"
        );
        assert_eq!(text(Gfp::NOWAIT)?.to_bytes(), b"GFP_NOWAIT");
        assert_eq!(
            text(Gfp::KERNEL | Gfp::DMA32)?.to_bytes(),
            b"GFP_KERNEL|GFP_DMA32"
        );
        Ok(())
    }

    #[test]
    fn flags_parse_by_name() -> Result {
        assert!(Gfp::parse("GFP_KERNEL | __GFP_ZERO")? == Gfp::KERNEL | Gfp::ZERO);
        assert!(Gfp::parse("GFP_ATOMIC|GFP_DMA")? == Gfp::ATOMIC | Gfp::DMA);
        assert_eq!(Gfp::parse("GFP_BOGUS").err(), Some(EINVAL));
        assert_eq!(Gfp::parse("").err(), Some(EINVAL));
        assert_eq!(Gfp::parse("GFP_KERNEL|").err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn every_name_parses_to_what_it_prints() -> Result {
        for name in Gfp::NAMES {
            let gfp = Gfp::parse(name.name)?;
            assert!(Gfp::parse(text(gfp)?.to_str().map_err(|_| EINVAL)?)? == gfp);
        }
        Ok(())
    }
}
