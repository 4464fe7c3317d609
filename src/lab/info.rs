// SPDX-License-Identifier: GPL-2.0

//! The text of `/sys/kernel/debug/memlab/info`: what memlab knows about the running kernel.
//!
//! Pure logic: the facts are gathered by [`crate::shim`] (as [`crate::facts`] values) and handed
//! in as plain values, so the host tests the format with `cargo test` (see `tests/host/`).
//!
//! The format is one `key: value` line per fact, then one `zone:` line per populated zone with
//! `key=value` fields, so tests and users can `grep` it:
//!
//! ```text
//! memlab_version: 0.1.0
//! kernel_release: 7.3.4
//! page_size: 4096 (4 KiB)
//! ...
//! zone: node=0 name=DMA32 pfn=0x1000-0x100000 phys=0x1000000-0x100000000 span=4080 MiB present=1044480 managed=1011925
//! ```

use core::fmt;

use crate::{
    facts::{
        Facts,
        Zone, //
    },
    units::Bytes,
    wide::Decimal,
};

/// Writes the `info` report: memlab's `version`, `facts`, then every zone in `zones`.
pub(crate) fn write_info(
    out: &mut impl fmt::Write,
    version: &str,
    facts: &Facts,
    zones: impl IntoIterator<Item = Zone>,
) -> fmt::Result {
    let page = facts.page_size;
    writeln!(out, "memlab_version: {version}")?;
    writeln!(out, "kernel_release: {}", facts.kernel_release)?;
    writeln!(out, "page_size: {} ({})", Decimal(page), Bytes(page))?;
    writeln!(
        out,
        "max_page_order: {} ({} blocks)",
        facts.max_page_order,
        Bytes(page << facts.max_page_order)
    )?;
    for (key, value) in [
        ("kmalloc_min_size", facts.kmalloc_min_size),
        ("kmalloc_max_cache_size", facts.kmalloc_max_cache_size),
        ("kmalloc_max_size", facts.kmalloc_max_size),
    ] {
        writeln!(out, "{key}: {} ({})", Decimal(value), Bytes(value))?;
    }
    for (key, end) in [
        ("dma_zone_end", facts.dma_zone_end),
        ("dma32_zone_end", facts.dma32_zone_end),
    ] {
        match end {
            Some(end) => writeln!(out, "{key}: {end:#x} ({})", Bytes(end))?,
            None => writeln!(out, "{key}: none (no such zone)")?,
        }
    }
    writeln!(
        out,
        "high_memory: {:#x} (the direct map of lowmem ends here)",
        facts.high_memory
    )?;
    for (key, area, what) in [
        ("kmap_area", facts.kmap_area, "kmap's pkmap slots"),
        (
            "kmap_local_area",
            facts.kmap_local_area,
            "kmap_local's fixmap slots, every CPU's",
        ),
    ] {
        match area {
            Some(area) => writeln!(
                out,
                "{key}: {area} ({}, {what})",
                Bytes(area.end - area.start)
            )?,
            None => writeln!(
                out,
                "{key}: none (no HIGHMEM: the direct-map address is the mapping)"
            )?,
        }
    }
    for zone in zones {
        writeln!(
            out,
            "zone: node={} name={} pfn={:#x}-{:#x} phys={:#x}-{:#x} span={} present={} managed={}",
            zone.node,
            zone.name,
            zone.start_pfn,
            zone.end_pfn,
            zone.start_pfn * page,
            zone.end_pfn * page,
            Bytes((zone.end_pfn - zone.start_pfn) * page),
            Decimal(zone.present_pages),
            Decimal(zone.managed_pages),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::VirtRange;

    fn facts() -> Facts {
        Facts {
            kernel_release: "7.3.4",
            page_size: 4096,
            max_page_order: 10,
            kmalloc_min_size: 8,
            kmalloc_max_cache_size: 8192,
            kmalloc_max_size: 4 << 20,
            dma_zone_end: Some(16 << 20),
            dma32_zone_end: Some(4 << 30),
            high_memory: 0xff11_0002_8000_0000,
            kmap_area: None,
            kmap_local_area: None,
        }
    }

    const DMA: Zone = Zone {
        node: 0,
        name: "DMA",
        start_pfn: 1,
        end_pfn: 0x1000,
        present_pages: 3998,
        managed_pages: 3840,
    };

    fn render(zones: &[Zone]) -> String {
        let mut text = String::new();
        write_info(&mut text, "0.1.0", &facts(), zones.iter().copied()).unwrap();
        text
    }

    #[test]
    fn facts_are_one_key_value_line_each() {
        let text = render(&[]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "memlab_version: 0.1.0",
                "kernel_release: 7.3.4",
                "page_size: 4096 (4 KiB)",
                "max_page_order: 10 (4 MiB blocks)",
                "kmalloc_min_size: 8 (8 B)",
                "kmalloc_max_cache_size: 8192 (8 KiB)",
                "kmalloc_max_size: 4194304 (4 MiB)",
                "dma_zone_end: 0x1000000 (16 MiB)",
                "dma32_zone_end: 0x100000000 (4 GiB)",
                "high_memory: 0xff11000280000000 (the direct map of lowmem ends here)",
                "kmap_area: none (no HIGHMEM: the direct-map address is the mapping)",
                "kmap_local_area: none (no HIGHMEM: the direct-map address is the mapping)",
            ]
        );
    }

    #[test]
    fn highmem_areas_are_ranges_with_their_size() {
        let facts = Facts {
            high_memory: 0xf000_0000,
            kmap_area: VirtRange::new(0xbfe0_0000, 0xc000_0000),
            kmap_local_area: VirtRange::new(0xffc8_0000, 0xffd0_0000),
            ..facts()
        };
        let mut text = String::new();
        write_info(&mut text, "0.1.0", &facts, []).unwrap();
        let lines: Vec<&str> = text.lines().skip(9).collect();
        assert_eq!(
            lines,
            [
                "high_memory: 0xf0000000 (the direct map of lowmem ends here)",
                "kmap_area: 0xbfe00000-0xc0000000 (2 MiB, kmap's pkmap slots)",
                "kmap_local_area: 0xffc80000-0xffd00000 (512 KiB, kmap_local's fixmap slots, every CPU's)",
            ]
        );
    }

    #[test]
    fn a_zone_the_kernel_lacks_says_none() {
        let facts = Facts {
            dma_zone_end: None,
            dma32_zone_end: None,
            ..facts()
        };
        let mut text = String::new();
        write_info(&mut text, "0.1.0", &facts, []).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| l.contains("zone_end")).collect();
        assert_eq!(
            lines,
            [
                "dma_zone_end: none (no such zone)",
                "dma32_zone_end: none (no such zone)"
            ]
        );
    }

    #[test]
    fn zones_follow_the_facts_in_order() {
        let normal = Zone {
            name: "Normal",
            start_pfn: 0x100000,
            end_pfn: 0x140000,
            ..DMA
        };
        let text = render(&[DMA, normal]);
        let zones: Vec<&str> = text.lines().filter(|l| l.starts_with("zone: ")).collect();
        assert_eq!(
            zones,
            [
                "zone: node=0 name=DMA pfn=0x1-0x1000 phys=0x1000-0x1000000 span=16380 KiB present=3998 managed=3840",
                "zone: node=0 name=Normal pfn=0x100000-0x140000 phys=0x100000000-0x140000000 span=1 GiB present=3998 managed=3840",
            ]
        );
    }

    #[test]
    fn a_zone_spans_its_own_pages_only() {
        assert!(!DMA.spans(0, 4096));
        assert!(DMA.spans(0x1000, 4096));
        assert!(DMA.spans(0xff_ffff, 4096));
        assert!(!DMA.spans(0x100_0000, 4096));
    }
}
