// SPDX-License-Identifier: GPL-2.0

//! Which GFP flags each memlab allocator family accepts: one allow-list per family.
//!
//! Every family's C API answers some flags with a report instead of an error: `__vmalloc`
//! strips what `GFP_VMALLOC_SUPPORTED` lacks with an "Unexpected gfp ... Fix your code!" WARN
//! ([`mm/vmalloc.c`](srctree/mm/vmalloc.c)); kvmalloc's vmalloc fallback skips that check and
//! `split_page`s a compound page when given `__GFP_COMP` (a `VM_BUG_ON`); the slab allocator
//! strips `GFP_SLAB_BUG_MASK` with a warning ([`mm/slab_common.c`](srctree/mm/slab_common.c));
//! `dma_alloc_attrs` WARNs on `__GFP_COMP` and silently drops zone modifiers
//! ([`kernel/dma/mapping.c`](srctree/kernel/dma/mapping.c)); two zone modifiers at once are the
//! kernel's `GFP_ZONE_BAD` (a `BUG` under `CONFIG_DEBUG_VM`), and `__GFP_MOVABLE` with
//! `__GFP_RECLAIMABLE` a `VM_WARN` in `gfp_migratetype`. So memlab refuses, with `EINVAL` and
//! before any C call, every flag a family's table below does not list: an allow-list, so a flag
//! nobody thought of is refused too.
//!
//! Three flags no family accepts:
//! - `__GFP_NOFAIL`: memlab reports failure as `ENOMEM`; the kernel warns about several uses of
//!   the flag (without direct reclaim, at costly orders) and memlab has no use that needs it.
//! - `__GFP_HIGHMEM`: every memlab buffer is reached through a kernel address that lasts as long
//!   as the buffer (the direct map, or a mapping memlab makes); a highmem page has none.
//! - `__GFP_MOVABLE`: memlab's memory is pinned kernel memory that cannot be migrated; the flag
//!   would promise the opposite (and with `__GFP_RECLAIMABLE` trips a `VM_WARN`).
//!
//! Pure logic over symbolic flags, so the host tests the whole table (`tests/host/`); the kernel
//! side ([`crate::mm::gfp`]) gives each flag its value from the kernel's headers.

use core::fmt;

/// The GFP flags memlab knows by name, one bit each (`include/linux/gfp_types.h`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum GfpFlag {
    /// `__GFP_DMA`: ZONE_DMA.
    Dma,
    /// `__GFP_HIGHMEM`: memory that may have no permanent kernel address.
    Highmem,
    /// `__GFP_DMA32`: ZONE_DMA32.
    Dma32,
    /// `__GFP_MOVABLE`: the memory can be migrated.
    Movable,
    /// `__GFP_RECLAIMABLE`: the memory can be reclaimed by a shrinker.
    Reclaimable,
    /// `__GFP_HIGH`: may use part of the emergency reserves.
    High,
    /// `__GFP_IO`: may start physical I/O.
    Io,
    /// `__GFP_FS`: may call into the filesystem layer.
    Fs,
    /// `__GFP_ZERO`: the memory is zeroed.
    Zero,
    /// `__GFP_DIRECT_RECLAIM`: may reclaim directly, and so sleep.
    DirectReclaim,
    /// `__GFP_KSWAPD_RECLAIM`: may wake kswapd.
    KswapdReclaim,
    /// `__GFP_NOWARN`: no allocation-failure report.
    Nowarn,
    /// `__GFP_RETRY_MAYFAIL`: retry hard, but fail before the OOM killer.
    RetryMayfail,
    /// `__GFP_NOFAIL`: retry forever.
    Nofail,
    /// `__GFP_NORETRY`: give up early.
    Noretry,
    /// `__GFP_COMP`: a high-order block becomes one compound page.
    Comp,
    /// `__GFP_HARDWALL`: stay inside the task's cpuset.
    Hardwall,
    /// `__GFP_ACCOUNT`: charge the task's memory cgroup.
    Account,
}

impl GfpFlag {
    /// Every flag, in the kernel's bit order.
    pub(crate) const ALL: [Self; 18] = [
        Self::Dma,
        Self::Highmem,
        Self::Dma32,
        Self::Movable,
        Self::Reclaimable,
        Self::High,
        Self::Io,
        Self::Fs,
        Self::Zero,
        Self::DirectReclaim,
        Self::KswapdReclaim,
        Self::Nowarn,
        Self::RetryMayfail,
        Self::Nofail,
        Self::Noretry,
        Self::Comp,
        Self::Hardwall,
        Self::Account,
    ];

    /// The name as the kernel spells it.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Dma => "GFP_DMA",
            Self::Highmem => "__GFP_HIGHMEM",
            Self::Dma32 => "GFP_DMA32",
            Self::Movable => "__GFP_MOVABLE",
            Self::Reclaimable => "__GFP_RECLAIMABLE",
            Self::High => "__GFP_HIGH",
            Self::Io => "__GFP_IO",
            Self::Fs => "__GFP_FS",
            Self::Zero => "__GFP_ZERO",
            Self::DirectReclaim => "__GFP_DIRECT_RECLAIM",
            Self::KswapdReclaim => "__GFP_KSWAPD_RECLAIM",
            Self::Nowarn => "__GFP_NOWARN",
            Self::RetryMayfail => "__GFP_RETRY_MAYFAIL",
            Self::Nofail => "__GFP_NOFAIL",
            Self::Noretry => "__GFP_NORETRY",
            Self::Comp => "__GFP_COMP",
            Self::Hardwall => "__GFP_HARDWALL",
            Self::Account => "__GFP_ACCOUNT",
        }
    }
}

/// The flags every family accepts: how hard to try, whether to sleep, and whom to charge, never
/// where the memory comes from or what it is. All of them are in vmalloc's
/// `GFP_VMALLOC_SUPPORTED` (through `GFP_KERNEL`, `GFP_ATOMIC`, `GFP_NOWAIT`, `GFP_USER`,
/// `GFP_KERNEL_ACCOUNT`), the strictest C API memlab wraps.
const BEHAVIOUR: [GfpFlag; 10] = [
    GfpFlag::DirectReclaim,
    GfpFlag::KswapdReclaim,
    GfpFlag::Io,
    GfpFlag::Fs,
    GfpFlag::High,
    GfpFlag::Nowarn,
    GfpFlag::Noretry,
    GfpFlag::RetryMayfail,
    GfpFlag::Hardwall,
    GfpFlag::Account,
];

/// Flags of which an allocation may carry at most one.
pub(crate) const EXCLUSIVE: [&[GfpFlag]; 2] = [
    // The zone modifiers: two of them are `GFP_ZONE_BAD` (include/linux/gfp.h).
    &[GfpFlag::Dma, GfpFlag::Dma32, GfpFlag::Highmem],
    // Both mobility hints: `VM_WARN_ON` in `gfp_migratetype`.
    &[GfpFlag::Movable, GfpFlag::Reclaimable],
];

/// A family of memlab allocators that take GFP flags.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Family {
    /// kmalloc, kzalloc, kcalloc, krealloc ([`crate::mm::kmalloc`]).
    Kmalloc,
    /// `kmem_cache_alloc` ([`crate::mm::kmem_cache`]).
    KmemCache,
    /// `mempool_alloc` ([`crate::mm::mempool`]).
    Mempool,
    /// alloc_pages, __get_free_pages, get_zeroed_page ([`crate::mm::pages`]).
    Pages,
    /// alloc_pages with __GFP_HIGHMEM, which the type adds ([`crate::mm::high_pages`]).
    HighPages,
    /// `__vmalloc` ([`crate::mm::vmalloc`]).
    Vmalloc,
    /// `kvmalloc` ([`crate::mm::vmalloc`]).
    Kvmalloc,
    /// `dma_alloc_coherent` ([`crate::mm::dma`]).
    DmaCoherent,
}

impl Family {
    /// Every family.
    pub(crate) const ALL: [Self; 8] = [
        Self::Kmalloc,
        Self::KmemCache,
        Self::Mempool,
        Self::Pages,
        Self::HighPages,
        Self::Vmalloc,
        Self::Kvmalloc,
        Self::DmaCoherent,
    ];

    /// The family's name, as memlab's messages use it.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Kmalloc => "kmalloc",
            Self::KmemCache => "kmem_cache",
            Self::Mempool => "mempool",
            Self::Pages => "pages",
            Self::HighPages => "high_pages",
            Self::Vmalloc => "vmalloc",
            Self::Kvmalloc => "kvmalloc",
            Self::DmaCoherent => "dma_coherent",
        }
    }

    /// What the family accepts on top of [`BEHAVIOUR`].
    const fn extra(self) -> &'static [GfpFlag] {
        match self {
            // kmalloc serves GFP_DMA from its kmalloc-dma-* caches and __GFP_RECLAIMABLE from
            // kmalloc-rcl-*; DMA32 and HIGHMEM are GFP_SLAB_BUG_MASK.
            Self::Kmalloc => &[GfpFlag::Zero, GfpFlag::Dma, GfpFlag::Reclaimable],
            // A cache's zone and mobility are its creation flags (SLAB_CACHE_DMA,
            // SLAB_RECLAIM_ACCOUNT), not the allocation's.
            Self::KmemCache => &[GfpFlag::Zero],
            // mempool_alloc VM_WARNs on __GFP_ZERO, and its reserve was filled with GFP_KERNEL:
            // a zone flag would make elements from two zones.
            Self::Mempool => &[],
            // The page allocator serves every zone; __GFP_COMP makes a compound page, which
            // __free_pages and free_pages free whole.
            Self::Pages => &[GfpFlag::Zero, GfpFlag::Dma, GfpFlag::Dma32, GfpFlag::Comp],
            // The type adds __GFP_HIGHMEM, and a second zone modifier with it (DMA, DMA32) is
            // GFP_ZONE_BAD: a VM_BUG_ON in gfp_zone(). Movable is fine (ZONE_MOVABLE).
            Self::HighPages => &[GfpFlag::Zero, GfpFlag::Comp],
            // GFP_VMALLOC_SUPPORTED: no zone modifier, no __GFP_COMP (split_page of a compound
            // page is a VM_BUG_ON in vm_area_alloc_pages).
            Self::Vmalloc | Self::Kvmalloc => &[GfpFlag::Zero],
            // dma_alloc_attrs picks the zone from the device's mask and WARNs on __GFP_COMP.
            Self::DmaCoherent => &[GfpFlag::Zero],
        }
    }

    /// Whether the family accepts `flag`.
    pub(crate) const fn accepts(self, flag: GfpFlag) -> bool {
        contains(&BEHAVIOUR, flag) || contains(self.extra(), flag)
    }
}

const fn contains(flags: &[GfpFlag], flag: GfpFlag) -> bool {
    let mut i = 0;
    while i < flags.len() {
        // CAST: comparing fieldless enums by discriminant (`PartialEq` is not `const`).
        if flags[i] as u8 == flag as u8 {
            return true;
        }
        i += 1;
    }
    false
}

/// Why a family refuses a set of flags.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Refusal {
    /// The family does not accept this flag.
    NotAccepted(Family, GfpFlag),
    /// More than one flag of this group is set.
    Exclusive(&'static [GfpFlag]),
    /// Bits that are no flag memlab knows (`0x...`).
    Unknown(u32),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAccepted(family, flag) => {
                write!(f, "{} does not accept {}", family.name(), flag.name())
            }
            Self::Exclusive(group) => {
                f.write_str("at most one of ")?;
                for (i, flag) in group.iter().enumerate() {
                    let separator = if i == 0 { "" } else { ", " };
                    write!(f, "{separator}{}", flag.name())?;
                }
                Ok(())
            }
            Self::Unknown(bits) => write!(f, "unknown GFP bits {bits:#x}"),
        }
    }
}

/// The kernel's bit of each flag of [`GfpFlag::ALL`], in that order (`crate::mm::gfp` fills it
/// from the kernel's headers).
pub(crate) type Values = [u32; GfpFlag::ALL.len()];

/// One family's allow-list and [`EXCLUSIVE`] groups as bit masks: a check of a few instructions
/// for the allocation paths, where [`check`] (which names the flag at fault) would walk every
/// table at every call. Built at compile time ([`Masks::of`] is `const`); the two agree on every
/// set of flags (the host tests compare them).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Masks {
    /// The flags the family accepts.
    allowed: u32,
    /// Each exclusive group's flags.
    exclusive: [u32; EXCLUSIVE.len()],
}

impl Masks {
    /// The masks of `family`, with `values` the bit of each flag.
    pub(crate) const fn of(family: Family, values: &Values) -> Self {
        let mut allowed = 0;
        let mut i = 0;
        while i < GfpFlag::ALL.len() {
            if family.accepts(GfpFlag::ALL[i]) {
                allowed |= values[i];
            }
            i += 1;
        }
        let mut exclusive = [0; EXCLUSIVE.len()];
        let mut group = 0;
        while group < EXCLUSIVE.len() {
            let mut j = 0;
            while j < EXCLUSIVE[group].len() {
                // CAST: a fieldless enum's discriminant is its index in `GfpFlag::ALL` (the
                // host tests check it).
                exclusive[group] |= values[EXCLUSIVE[group][j] as usize];
                j += 1;
            }
            group += 1;
        }
        Self { allowed, exclusive }
    }

    /// Whether the family accepts `bits`: every flag on its allow-list (so no unknown bit), at
    /// most one flag of each exclusive group.
    #[inline]
    pub(crate) const fn accepts(&self, bits: u32) -> bool {
        if bits & !self.allowed != 0 {
            return false;
        }
        let mut group = 0;
        while group < EXCLUSIVE.len() {
            // More than one bit set: clearing the lowest leaves some.
            let set = bits & self.exclusive[group];
            if set & set.wrapping_sub(1) != 0 {
                return false;
            }
            group += 1;
        }
        true
    }
}

/// Checks `bits` for `family`, where `value(flag)` is the bit of each flag; the first refusal
/// found, or `None` when the family accepts the whole set.
pub(crate) fn check(family: Family, bits: u32, value: impl Fn(GfpFlag) -> u32) -> Option<Refusal> {
    let mut known = 0;
    for flag in GfpFlag::ALL {
        known |= value(flag);
        if bits & value(flag) != 0 && !family.accepts(flag) {
            return Some(Refusal::NotAccepted(family, flag));
        }
    }
    if bits & !known != 0 {
        return Some(Refusal::Unknown(bits & !known));
    }
    EXCLUSIVE
        .into_iter()
        .find(|group| {
            group
                .iter()
                .filter(|flag| bits & value(**flag) != 0)
                .count()
                > 1
        })
        .map(Refusal::Exclusive)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit `i` for the `i`-th flag of [`GfpFlag::ALL`] (the kernel's order; the real values
    /// come from the kernel, see `crate::mm::gfp`).
    fn value(flag: GfpFlag) -> u32 {
        1 << GfpFlag::ALL.iter().position(|f| *f == flag).unwrap()
    }

    /// The table, written out once more as a grid a reviewer can hold against the kernel
    /// sources cited in the module docs. Columns: kmalloc, kmem_cache, mempool, pages,
    /// high_pages, vmalloc, kvmalloc, dma_coherent.
    const EXPECTED: [(GfpFlag, &str); 18] = [
        (GfpFlag::Dma, "y--y----"),
        (GfpFlag::Highmem, "--------"),
        (GfpFlag::Dma32, "---y----"),
        (GfpFlag::Movable, "--------"),
        (GfpFlag::Reclaimable, "y-------"),
        (GfpFlag::High, "yyyyyyyy"),
        (GfpFlag::Io, "yyyyyyyy"),
        (GfpFlag::Fs, "yyyyyyyy"),
        (GfpFlag::Zero, "yy-yyyyy"),
        (GfpFlag::DirectReclaim, "yyyyyyyy"),
        (GfpFlag::KswapdReclaim, "yyyyyyyy"),
        (GfpFlag::Nowarn, "yyyyyyyy"),
        (GfpFlag::RetryMayfail, "yyyyyyyy"),
        (GfpFlag::Nofail, "--------"),
        (GfpFlag::Noretry, "yyyyyyyy"),
        (GfpFlag::Comp, "---yy---"),
        (GfpFlag::Hardwall, "yyyyyyyy"),
        (GfpFlag::Account, "yyyyyyyy"),
    ];

    #[test]
    fn every_flag_of_every_family_is_as_the_grid_says() {
        assert_eq!(EXPECTED.map(|(flag, _)| flag), GfpFlag::ALL);
        for (flag, row) in EXPECTED {
            for (family, cell) in Family::ALL.into_iter().zip(row.chars()) {
                assert_eq!(
                    family.accepts(flag),
                    cell == 'y',
                    "{} with {}",
                    family.name(),
                    flag.name()
                );
                let refusal = check(family, value(flag), value);
                assert_eq!(refusal.is_none(), cell == 'y');
            }
        }
    }

    #[test]
    fn vmalloc_accepts_only_what_gfp_vmalloc_supported_lists() {
        // GFP_VMALLOC_SUPPORTED (mm/vmalloc.c) spelled out in single flags; __GFP_NOFAIL is in
        // it, but memlab refuses that flag everywhere.
        let supported = [
            GfpFlag::DirectReclaim,
            GfpFlag::KswapdReclaim,
            GfpFlag::Io,
            GfpFlag::Fs,
            GfpFlag::High,
            GfpFlag::Nowarn,
            GfpFlag::Zero,
            GfpFlag::Noretry,
            GfpFlag::RetryMayfail,
            GfpFlag::Account,
            GfpFlag::Hardwall,
        ];
        for family in [Family::Vmalloc, Family::Kvmalloc] {
            for flag in GfpFlag::ALL {
                assert_eq!(family.accepts(flag), supported.contains(&flag), "{flag:?}");
            }
        }
    }

    #[test]
    fn no_family_takes_what_the_slab_bug_mask_holds_where_slab_serves_it() {
        for family in [Family::Kmalloc, Family::KmemCache, Family::Mempool] {
            assert!(!family.accepts(GfpFlag::Dma32));
            assert!(!family.accepts(GfpFlag::Highmem));
        }
    }

    #[test]
    fn exclusive_groups_are_refused_even_where_each_flag_is_accepted() {
        let both = value(GfpFlag::Dma) | value(GfpFlag::Dma32);
        assert_eq!(
            check(Family::Pages, both, value),
            Some(Refusal::Exclusive(EXCLUSIVE[0]))
        );
        assert_eq!(check(Family::Pages, value(GfpFlag::Dma32), value), None);
    }

    /// [`Values`] as the tests number the flags.
    fn values() -> Values {
        GfpFlag::ALL.map(value)
    }

    #[test]
    fn a_flags_discriminant_is_its_index() {
        for (i, flag) in GfpFlag::ALL.into_iter().enumerate() {
            assert_eq!(flag as usize, i);
        }
    }

    #[test]
    fn the_masks_agree_with_the_table_on_every_pair_of_flags() {
        let unknown = 1 << GfpFlag::ALL.len();
        let mut singles: Vec<u32> = GfpFlag::ALL.map(value).to_vec();
        singles.extend([0, unknown]);
        for family in Family::ALL {
            let masks = Masks::of(family, &values());
            for a in &singles {
                for b in &singles {
                    let bits = a | b;
                    assert_eq!(
                        masks.accepts(bits),
                        check(family, bits, value).is_none(),
                        "{} with {bits:#x}",
                        family.name()
                    );
                }
            }
            // Three zone modifiers at once, and every flag the family accepts at once.
            let zones = value(GfpFlag::Dma) | value(GfpFlag::Dma32) | value(GfpFlag::Highmem);
            assert!(!masks.accepts(zones));
            let behaviour = BEHAVIOUR.iter().fold(0, |bits, flag| bits | value(*flag));
            assert!(masks.accepts(behaviour));
        }
    }

    #[test]
    fn unknown_bits_are_refused() {
        let unknown = 1 << GfpFlag::ALL.len();
        assert_eq!(
            check(Family::Pages, unknown | value(GfpFlag::Io), value),
            Some(Refusal::Unknown(unknown))
        );
    }

    #[test]
    fn refusals_say_why_in_one_line() {
        let text = |refusal: Refusal| refusal.to_string();
        assert_eq!(
            text(Refusal::NotAccepted(Family::Kvmalloc, GfpFlag::Comp)),
            "kvmalloc does not accept __GFP_COMP"
        );
        assert_eq!(
            text(Refusal::Exclusive(EXCLUSIVE[0])),
            "at most one of GFP_DMA, GFP_DMA32, __GFP_HIGHMEM"
        );
        assert_eq!(text(Refusal::Unknown(0x400)), "unknown GFP bits 0x400");
    }
}
