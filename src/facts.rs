// SPDX-License-Identifier: GPL-2.0

//! Plain values that describe the running kernel's memory layout.
//!
//! The FFI edge ([`crate::shim`]) fills them in; the lab renders them ([`crate::lab`]'s `info`
//! file). Pure, so both sides and the host tests share one definition.

/// Fixed facts about the running kernel's memory layout.
pub(crate) struct Facts {
    /// The running kernel's release string.
    pub(crate) kernel_release: &'static str,
    /// `PAGE_SIZE`.
    pub(crate) page_size: u64,
    /// `MAX_PAGE_ORDER`: the largest order the page allocator serves.
    pub(crate) max_page_order: u32,
    /// `KMALLOC_MIN_SIZE`: the smallest kmalloc bucket.
    pub(crate) kmalloc_min_size: u64,
    /// `KMALLOC_MAX_CACHE_SIZE`: the largest slab-backed kmalloc size.
    pub(crate) kmalloc_max_cache_size: u64,
    /// `KMALLOC_MAX_SIZE`: the largest size kmalloc serves.
    pub(crate) kmalloc_max_size: u64,
    /// First physical address above `ZONE_DMA`; `None` where the kernel has no such zone.
    pub(crate) dma_zone_end: Option<u64>,
    /// First physical address above `ZONE_DMA32`; `None` where the kernel has no such zone.
    pub(crate) dma32_zone_end: Option<u64>,
    /// `high_memory`: the virtual address where the direct map of lowmem ends.
    pub(crate) high_memory: u64,
    /// Where `kmap` maps highmem pages (the pkmap area); `None` without HIGHMEM.
    pub(crate) kmap_area: Option<VirtRange>,
    /// Where `kmap_local_page` maps them (the fixmap's slots, every CPU's); `None` without
    /// HIGHMEM.
    pub(crate) kmap_local_area: Option<VirtRange>,
}

/// Kernel virtual addresses `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VirtRange {
    /// The first address.
    pub(crate) start: u64,
    /// One past the last.
    pub(crate) end: u64,
}

impl VirtRange {
    /// `start..end`, or `None` for an empty range (how the C side says "no such area").
    pub(crate) fn new(start: u64, end: u64) -> Option<Self> {
        (start < end).then_some(Self { start, end })
    }

    /// Whether `addr` lies in the range.
    pub(crate) fn contains(&self, addr: u64) -> bool {
        (self.start..self.end).contains(&addr)
    }
}

impl core::fmt::Display for VirtRange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:#x}-{:#x}", self.start, self.end)
    }
}

/// One populated memory zone.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Zone {
    /// NUMA node id.
    pub(crate) node: i32,
    /// The zone's name, e.g. `DMA32`.
    pub(crate) name: &'static str,
    /// First page frame number of the span.
    pub(crate) start_pfn: u64,
    /// One past the last page frame number of the span.
    pub(crate) end_pfn: u64,
    /// Pages that exist in the span.
    pub(crate) present_pages: u64,
    /// Pages the buddy allocator manages.
    pub(crate) managed_pages: u64,
}

impl Zone {
    /// Whether the physical address `phys` lies in this zone's span.
    pub(crate) fn spans(&self, phys: u64, page_size: u64) -> bool {
        let pfn = crate::wide::div(phys, page_size);
        self.start_pfn <= pfn && pfn < self.end_pfn
    }
}

/// Consecutive page frames `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PfnRange {
    /// The first page frame number.
    pub(crate) start: u64,
    /// One past the last.
    pub(crate) end: u64,
}

impl core::fmt::Display for PfnRange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:#x}-{:#x}", self.start, self.end - 1)
    }
}

/// Joins page frame numbers, in order, into runs of consecutive frames.
pub(crate) fn pfn_runs(pfns: impl IntoIterator<Item = u64>) -> impl Iterator<Item = PfnRange> {
    let mut pfns = pfns.into_iter().peekable();
    core::iter::from_fn(move || {
        let start = pfns.next()?;
        let mut end = start + 1;
        while pfns.next_if_eq(&end).is_some() {
            end += 1;
        }
        Some(PfnRange { start, end })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_frames_join_into_runs() {
        let runs: Vec<PfnRange> = pfn_runs([5, 6, 7, 9, 3, 4]).collect();
        assert_eq!(
            runs,
            [
                PfnRange { start: 5, end: 8 },
                PfnRange { start: 9, end: 10 },
                PfnRange { start: 3, end: 5 },
            ]
        );
        assert_eq!(runs[0].to_string(), "0x5-0x7");
        assert_eq!(pfn_runs([]).count(), 0);
    }

    #[test]
    fn a_virtual_range_holds_its_start_and_not_its_end() {
        let area = VirtRange::new(0xbfe0_0000, 0xc000_0000).unwrap();
        assert!(area.contains(0xbfe0_0000) && area.contains(0xbfff_ffff));
        assert!(!area.contains(0xc000_0000) && !area.contains(0xbfdf_ffff));
        assert_eq!(area.to_string(), "0xbfe00000-0xc0000000");
        assert_eq!(VirtRange::new(0, 0), None);
    }
}
