// SPDX-License-Identifier: GPL-2.0

//! The lab's counters per kernel API, and the text of `stats`.
//!
//! Pure logic, tested on the host. A command that reaches an API counts there: an allocation,
//! a free, or a failure under its errno (a command refused before any API is named counts
//! nowhere).

use core::fmt;

use super::reply::Errno;
use crate::wide::Decimal;

/// The kernel APIs the lab calls, one row of `stats` each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    /// `kmalloc` / `kfree`.
    Kmalloc,
    /// `kzalloc` / `kfree`.
    Kzalloc,
    /// `krealloc`.
    Krealloc,
    /// `kvmalloc` / `kvfree`.
    Kvmalloc,
    /// `vmalloc` (`__vmalloc`) / `vfree`.
    Vmalloc,
    /// `vzalloc` / `vfree`.
    Vzalloc,
    /// `vmalloc_32` / `vfree`.
    Vmalloc32,
    /// `alloc_pages` / `__free_pages`.
    AllocPages,
    /// `__get_free_pages` / `free_pages`.
    GetFreePages,
    /// `get_zeroed_page` / `free_pages`.
    GetZeroedPage,
    /// `kmem_cache_create` / `kmem_cache_destroy`.
    KmemCacheCreate,
    /// `kmem_cache_alloc` / `kmem_cache_free`.
    KmemCacheAlloc,
    /// `mempool_create` / `mempool_destroy` (the reserve's bytes).
    MempoolCreate,
    /// `mempool_alloc` / `mempool_free`.
    MempoolAlloc,
    /// `vmap` / `vunmap`.
    Vmap,
    /// `kmap` / `kunmap`.
    Kmap,
    /// `kmap_local_page` / `kunmap_local` (one-shot: calls only).
    KmapLocal,
    /// `dma_alloc_coherent` / `dma_free_coherent` (for the edu device).
    DmaAlloc,
    /// A transfer of edu's DMA engine (calls only).
    DmaTransfer,
    /// `ioremap` / `iounmap` (windows of edu's BAR 0).
    Ioremap,
}

impl Api {
    /// Every API, in the order `stats` lists them.
    pub(crate) const ALL: [Self; 20] = [
        Self::Kmalloc,
        Self::Kzalloc,
        Self::Krealloc,
        Self::Kvmalloc,
        Self::Vmalloc,
        Self::Vzalloc,
        Self::Vmalloc32,
        Self::AllocPages,
        Self::GetFreePages,
        Self::GetZeroedPage,
        Self::KmemCacheCreate,
        Self::KmemCacheAlloc,
        Self::MempoolCreate,
        Self::MempoolAlloc,
        Self::Vmap,
        Self::Kmap,
        Self::KmapLocal,
        Self::DmaAlloc,
        Self::DmaTransfer,
        Self::Ioremap,
    ];

    /// The kernel function's name.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Kmalloc => "kmalloc",
            Self::Kzalloc => "kzalloc",
            Self::Krealloc => "krealloc",
            Self::Kvmalloc => "kvmalloc",
            Self::Vmalloc => "vmalloc",
            Self::Vzalloc => "vzalloc",
            Self::Vmalloc32 => "vmalloc_32",
            Self::AllocPages => "alloc_pages",
            Self::GetFreePages => "__get_free_pages",
            Self::GetZeroedPage => "get_zeroed_page",
            Self::KmemCacheCreate => "kmem_cache_create",
            Self::KmemCacheAlloc => "kmem_cache_alloc",
            Self::MempoolCreate => "mempool_create",
            Self::MempoolAlloc => "mempool_alloc",
            Self::Vmap => "vmap",
            Self::Kmap => "kmap",
            Self::KmapLocal => "kmap_local_page",
            Self::DmaAlloc => "dma_alloc_coherent",
            Self::DmaTransfer => "edu_dma_transfer",
            Self::Ioremap => "ioremap",
        }
    }

    fn index(self) -> usize {
        // CAST: a fieldless enum's discriminant, 0 to ALL.len() - 1.
        self as usize
    }
}

/// The failure columns of `stats`: the errnos an API's failures have.
const FAILURE_COLUMNS: [Errno; 3] = [Errno::NoMem, Errno::Inval, Errno::TooBig];

/// One API's counters.
#[derive(Clone, Copy, Default)]
struct Counters {
    allocs: u64,
    frees: u64,
    /// By [`FAILURE_COLUMNS`], then one for any other errno.
    failures: [u64; FAILURE_COLUMNS.len() + 1],
    live: u64,
    live_bytes: u64,
    peak_bytes: u64,
}

/// The counters of every API.
#[derive(Default)]
pub(crate) struct Stats {
    apis: [Counters; Api::ALL.len()],
}

impl Stats {
    /// `api` made an object of `bytes` bytes.
    pub(crate) fn allocated(&mut self, api: Api, bytes: u64) {
        let c = &mut self.apis[api.index()];
        c.allocs += 1;
        c.live += 1;
        c.live_bytes += bytes;
        c.peak_bytes = c.peak_bytes.max(c.live_bytes);
    }

    /// A call of `api` that makes no object of its own (krealloc) succeeded.
    pub(crate) fn called(&mut self, api: Api) {
        self.apis[api.index()].allocs += 1;
    }

    /// An object of `bytes` bytes that `api` made was freed.
    pub(crate) fn freed(&mut self, api: Api, bytes: u64) {
        let c = &mut self.apis[api.index()];
        c.frees += 1;
        c.live = c.live.saturating_sub(1);
        c.live_bytes = c.live_bytes.saturating_sub(bytes);
    }

    /// An object `api` made changed size from `old` to `new` bytes (krealloc).
    pub(crate) fn resized(&mut self, api: Api, old: u64, new: u64) {
        let c = &mut self.apis[api.index()];
        c.live_bytes = c.live_bytes.saturating_sub(old) + new;
        c.peak_bytes = c.peak_bytes.max(c.live_bytes);
    }

    /// A call of `api` failed with `errno`.
    pub(crate) fn failed(&mut self, api: Api, errno: Errno) {
        let column = FAILURE_COLUMNS
            .iter()
            .position(|e| *e == errno)
            .unwrap_or(FAILURE_COLUMNS.len());
        self.apis[api.index()].failures[column] += 1;
    }

    /// Writes `stats`: a header line, then one line per API.
    pub(crate) fn write(&self, out: &mut impl fmt::Write) -> fmt::Result {
        write!(
            out,
            "{:<18} {:>8} {:>8} {:>6} {:>12} {:>12}",
            "api", "allocs", "frees", "live", "live_bytes", "peak_bytes"
        )?;
        for errno in FAILURE_COLUMNS {
            write!(out, " {:>7}", errno.name())?;
        }
        writeln!(out, " {:>7}", "other")?;
        for api in Api::ALL {
            let c = &self.apis[api.index()];
            write!(
                out,
                "{:<18} {:>8} {:>8} {:>6} {:>12} {:>12}",
                api.name(),
                Decimal(c.allocs),
                Decimal(c.frees),
                Decimal(c.live),
                Decimal(c.live_bytes),
                Decimal(c.peak_bytes)
            )?;
            for count in c.failures {
                write!(out, " {:>7}", Decimal(count))?;
            }
            writeln!(out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_follow_the_objects() {
        let mut stats = Stats::default();
        stats.allocated(Api::Kmalloc, 100);
        stats.allocated(Api::Kmalloc, 50);
        stats.freed(Api::Kmalloc, 100);
        stats.resized(Api::Kmalloc, 50, 300);
        stats.failed(Api::Kmalloc, Errno::NoMem);
        stats.failed(Api::Kmalloc, Errno::Exist);
        let mut text = String::new();
        stats.write(&mut text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + Api::ALL.len());
        let header: Vec<&str> = lines[0].split_whitespace().collect();
        assert_eq!(
            header,
            [
                "api",
                "allocs",
                "frees",
                "live",
                "live_bytes",
                "peak_bytes",
                "ENOMEM",
                "EINVAL",
                "E2BIG",
                "other"
            ]
        );
        let kmalloc: Vec<&str> = lines[1].split_whitespace().collect();
        assert_eq!(
            kmalloc,
            ["kmalloc", "2", "1", "1", "300", "300", "1", "0", "0", "1"]
        );
    }
}
