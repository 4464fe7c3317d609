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

use crate::mm::{
    flags::{
        self,
        FlagName, //
    },
    gfp_policy::{
        self,
        Family,
        GfpFlag,
        Masks,
        Refusal,
        Values, //
    },
};

const fn bit(bit: u32) -> bindings::gfp_t {
    1 << bit
}

/// The kernel's value of each flag [`gfp_policy`] names.
const fn flag_bits(flag: GfpFlag) -> bindings::gfp_t {
    bit(match flag {
        GfpFlag::Dma => bindings::___GFP_DMA_BIT,
        GfpFlag::Highmem => bindings::___GFP_HIGHMEM_BIT,
        GfpFlag::Dma32 => bindings::___GFP_DMA32_BIT,
        GfpFlag::Movable => bindings::___GFP_MOVABLE_BIT,
        GfpFlag::Reclaimable => bindings::___GFP_RECLAIMABLE_BIT,
        GfpFlag::High => bindings::___GFP_HIGH_BIT,
        GfpFlag::Io => bindings::___GFP_IO_BIT,
        GfpFlag::Fs => bindings::___GFP_FS_BIT,
        GfpFlag::Zero => bindings::___GFP_ZERO_BIT,
        GfpFlag::DirectReclaim => bindings::___GFP_DIRECT_RECLAIM_BIT,
        GfpFlag::KswapdReclaim => bindings::___GFP_KSWAPD_RECLAIM_BIT,
        GfpFlag::Nowarn => bindings::___GFP_NOWARN_BIT,
        GfpFlag::RetryMayfail => bindings::___GFP_RETRY_MAYFAIL_BIT,
        GfpFlag::Nofail => bindings::___GFP_NOFAIL_BIT,
        GfpFlag::Noretry => bindings::___GFP_NORETRY_BIT,
        GfpFlag::Comp => bindings::___GFP_COMP_BIT,
        GfpFlag::Hardwall => bindings::___GFP_HARDWALL_BIT,
        GfpFlag::Account => bindings::___GFP_ACCOUNT_BIT,
    })
}

/// The kernel's value of every flag of [`GfpFlag::ALL`], in that order.
const VALUES: Values = {
    let mut values = [0; GfpFlag::ALL.len()];
    let mut i = 0;
    while i < values.len() {
        values[i] = flag_bits(GfpFlag::ALL[i]);
        i += 1;
    }
    values
};

/// Each family's [`Masks`], indexed by `Family as usize`; computed when memlab is compiled.
const MASKS: [Masks; Family::ALL.len()] = {
    let mut masks = [Masks::of(Family::ALL[0], &VALUES); Family::ALL.len()];
    let mut i = 0;
    while i < masks.len() {
        // CAST: the index of a fieldless enum; a build error if `Family::ALL` is out of order.
        assert!(Family::ALL[i] as usize == i);
        masks[i] = Masks::of(Family::ALL[i], &VALUES);
        i += 1;
    }
    masks
};

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
    /// `__GFP_NOFAIL`: retry forever (no memlab family accepts it, see [`gfp_policy`]).
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

    /// The set holding just `flag`.
    pub(crate) const fn from_flag(flag: GfpFlag) -> Self {
        Self(flag_bits(flag))
    }

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

    /// Whether an allocation with these flags may sleep (`__GFP_DIRECT_RECLAIM`), and so must
    /// not be made in atomic context.
    pub(crate) const fn may_sleep(self) -> bool {
        self.contains(Self::DIRECT_RECLAIM)
    }

    /// Why `family` refuses these flags, or `None` when it accepts them (see [`gfp_policy`]).
    pub(crate) fn refusal(self, family: Family) -> Option<Refusal> {
        gfp_policy::check(family, self.0, flag_bits)
    }

    /// Checks flags for an allocation of `family`: a few instructions, from masks computed at
    /// build time (and none at all when `self` is a constant the call inlines); [`Self::refusal`]
    /// says why, for a message.
    ///
    /// Every memlab allocation calls this first. It does not announce a possible sleep: the
    /// kernel's allocators do at every call, whether or not they sleep (`might_alloc()` in
    /// `slab_pre_alloc_hook`, `prepare_alloc_pages` and `mempool_alloc`, `might_sleep()` in
    /// vmalloc), so `CONFIG_DEBUG_ATOMIC_SLEEP` reports a `GFP_KERNEL` allocation in atomic
    /// context on its first call (a harness self-test case makes one). Families whose C entry
    /// does not (the DMA API) call `might_sleep()` themselves.
    ///
    /// # Errors
    ///
    /// `EINVAL` for any flag `family`'s allow-list lacks (see [`gfp_policy`]), for bits that are
    /// no known flag, and for two flags of one exclusive group (two zone modifiers: the kernel's
    /// `GFP_ZONE_BAD`, a `BUG` under `CONFIG_DEBUG_VM`).
    #[inline]
    pub(crate) fn check_for(self, family: Family) -> Result {
        // CAST: the index of a fieldless enum, in `MASKS`'s order (checked at build time).
        if MASKS[family as usize].accepts(self.0) {
            Ok(())
        } else {
            Err(EINVAL)
        }
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
    use crate::mm::{
        high_pages::HighPages,
        kmalloc::KmallocBuf,
        kmem_cache::{
            KmemCache,
            SlabFlags, //
        },
        mempool::{
            Backing,
            Mempool, //
        },
        pages::{
            FreePages,
            Pages, //
        },
        vmalloc::VmallocBuf,
    };
    use kernel::{
        page::PAGE_SIZE,
        str::CString, //
    };

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
    fn every_policy_flag_is_the_named_kernel_flag() -> Result {
        for flag in GfpFlag::ALL {
            assert!(Gfp::parse(flag.name())? == Gfp::from_flag(flag));
            assert_eq!(Gfp::from_flag(flag).as_raw().count_ones(), 1);
        }
        Ok(())
    }

    #[test]
    fn the_policy_judges_the_kernels_bits() {
        for family in Family::ALL {
            assert!(Gfp::KERNEL.check_for(family).is_ok());
            assert!(Gfp::NOWAIT.check_for(family).is_ok());
            for flag in GfpFlag::ALL {
                let result = (Gfp::KERNEL | Gfp::from_flag(flag)).check_for(family);
                assert_eq!(result.is_ok(), family.accepts(flag));
            }
            // A flag memlab has no name for (__GFP_THISNODE) is refused by every family.
            let unknown = Gfp(bit(bindings::___GFP_THISNODE_BIT));
            assert_eq!(
                (Gfp::KERNEL | unknown).check_for(family).err(),
                Some(EINVAL)
            );
        }
        assert!((Gfp::KERNEL | Gfp::DMA32).check_for(Family::Pages).is_ok());
        assert_eq!(
            (Gfp::KERNEL | Gfp::DMA | Gfp::DMA32)
                .check_for(Family::Pages)
                .err(),
            Some(EINVAL)
        );
    }

    #[test]
    fn the_build_time_masks_agree_with_the_table_on_every_pair_of_flags() {
        for family in Family::ALL {
            for a in GfpFlag::ALL {
                for b in GfpFlag::ALL {
                    let gfp = Gfp::from_flag(a) | Gfp::from_flag(b);
                    assert_eq!(gfp.check_for(family).is_ok(), gfp.refusal(family).is_none());
                }
            }
        }
    }

    /// Allocates once through each memlab API of `family` with `gfp`; the first error, if any.
    /// `None` for the DMA family, which needs a device: `crate::edu`'s suite judges it.
    fn allocate(family: Family, gfp: Gfp, cache: &KmemCache, pool: &Mempool) -> Option<Result> {
        Some(match family {
            Family::Kmalloc => KmallocBuf::zeroed(64, gfp)
                .and_then(|mut buf| buf.resize(200, gfp))
                .and_then(|()| KmallocBuf::new_uninit(64, gfp).map(drop)),
            Family::KmemCache => cache.alloc_uninit(gfp).map(drop),
            Family::Mempool => pool.alloc(gfp).map(drop),
            Family::Pages => Pages::alloc(1, gfp).and_then(|_| FreePages::get(1, gfp).map(drop)),
            Family::HighPages => HighPages::zeroed(1, gfp).map(drop),
            Family::Vmalloc => VmallocBuf::with_flags(2 * PAGE_SIZE, gfp).map(drop),
            // 8 MiB: above KMALLOC_MAX_SIZE, so kvmalloc takes its vmalloc fallback.
            Family::Kvmalloc => VmallocBuf::kvmalloc_uninit(8 << 20, gfp).map(drop),
            Family::DmaCoherent => return None,
        })
    }

    #[test]
    fn every_family_refuses_exactly_what_its_table_refuses() -> Result {
        let cache = KmemCache::new(c"gfp_table", 64, 0, SlabFlags::NONE)?;
        let pool = Mempool::new(1, Backing::Kmalloc { size: 64 })?;
        let mut tried = 0;
        for family in Family::ALL {
            for flag in GfpFlag::ALL {
                let gfp = Gfp::KERNEL | Gfp::from_flag(flag);
                let Some(result) = allocate(family, gfp, &cache, &pool) else {
                    continue;
                };
                tried += 1;
                // Accepted flags allocate for real: any report they caused fails the VM suite's
                // kernel log check. Refused ones never reach C.
                if family.accepts(flag) {
                    assert_eq!(result, Ok(()));
                } else {
                    assert_eq!(result, Err(EINVAL));
                }
            }
        }
        assert_eq!(tried, (Family::ALL.len() - 1) * GfpFlag::ALL.len());
        Ok(())
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
