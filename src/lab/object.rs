// SPDX-License-Identifier: GPL-2.0

//! One live lab object: the wrapper value that owns the memory, and what the lab knows of it.
//!
//! Dropping an [`Object`] frees its memory through the wrapper's `Drop`. Caches and pools are
//! objects too, held by `Arc`: every slab object, pool element and slab-backed pool holds a
//! reference of its cache or pool (the wrappers' owned forms), so whatever order they are
//! dropped in, the last one destroys it. The lab's own rule on top (`EBUSY` while anything uses
//! a cache or pool) keeps `destroy` honest: it never leaves a cache alive behind the user.
//!
//! Aliases (`vmap`, `kmap`) take the alloc_pages blocks they map, as the wrappers do: the pages
//! object stays in the table as [`Memory::Lent`], and its bytes are reached through the alias
//! that holds its block (see [`super::alias`]). One alias per pages object at a time.

use core::fmt;

use crate::{
    edu::kept::Ticket,
    facts::{
        pfn_runs,
        PfnRange, //
    },
    lab::{stats::Api, table::Name},
    mm::{
        gfp::Gfp,
        high_pages::HighPages,
        kmalloc::KmallocBuf,
        kmap::Kmap,
        kmem_cache::{
            KmemCache,
            SlabObject, //
        },
        mempool::{
            Mempool,
            PoolElement, //
        },
        page_block::{
            Block,
            PageBlock, //
        },
        pages::{
            FreePages,
            Pages, //
        },
        vmalloc::VmallocBuf,
        vmap::Vmap,
    },
    shim,
    wide::Decimal,
};
use kernel::{
    alloc::KVec,
    sync::Arc, //
};

/// The memory an object owns, as the wrapper that frees it.
pub(crate) enum Memory {
    /// From kmalloc or kzalloc (resized by krealloc).
    Kmalloc(KmallocBuf),
    /// From vmalloc, vzalloc, vmalloc_32 or kvmalloc.
    Vmalloc(VmallocBuf),
    /// From alloc_pages.
    Pages(Pages),
    /// From alloc_pages with __GFP_HIGHMEM: maybe no kernel address; reached through mappings.
    HighPages(HighPages),
    /// From __get_free_pages or get_zeroed_page.
    FreePages(FreePages),
    /// From kmem_cache_alloc; keeps its cache alive.
    Slab(SlabObject<Arc<KmemCache>>),
    /// From mempool_alloc; keeps its pool alive.
    Element(PoolElement<Arc<Mempool>>),
    /// A slab cache (kmem_cache_create): no bytes of its own.
    Cache(Arc<KmemCache>),
    /// A memory pool (mempool_create): its reserve is not the user's to read.
    Pool(Arc<Mempool>),
    /// A vmap of the blocks of alloc_pages objects, which it holds while mapped.
    Vmap {
        /// The mapping, holding the blocks.
        map: Vmap<Block>,
        /// The pages objects the blocks belong to, in block order.
        pages: KVec<Name>,
    },
    /// A kept kmap of one page of an alloc_pages object, whose block it holds while mapped.
    Kmap {
        /// The mapping, holding the block.
        map: Kmap<Block>,
        /// The pages object the block belongs to.
        pages: Name,
    },
    /// A coherent DMA buffer the edu device keeps for the lab (see [`crate::edu::kept`]).
    Dma {
        /// The device's ticket for it.
        ticket: Ticket,
        /// Its size in bytes.
        len: usize,
        /// The CPU's address.
        address: usize,
        /// The bus address the device uses.
        dma_handle: u64,
    },
    /// A window of the edu device's BAR 0 the device keeps for the lab.
    Io {
        /// The device's ticket for it.
        ticket: Ticket,
        /// Its size in bytes.
        len: usize,
        /// Its virtual address.
        address: usize,
        /// The physical address of its first byte.
        phys: u64,
    },
    /// An alloc_pages object whose block an alias holds; where the block lies, for `objects`.
    Lent {
        /// The alias holding the block.
        alias: Name,
        /// The block's place among the alias's blocks.
        block: usize,
        /// The block's kernel address; 0 for highmem pages, which have none.
        address: usize,
        /// The block's first page frame.
        pfn: u64,
        /// The block's size in bytes.
        len: usize,
    },
}

/// How many physical runs `objects` lists for one object before it says how many more there are.
const RUNS_SHOWN: usize = 4;

/// A live object of the lab.
pub(crate) struct Object {
    /// The API that made it (its `stats` row).
    pub(crate) api: Api,
    /// The size asked for, in bytes (for pages: the block's size).
    pub(crate) asked: u64,
    /// The flags it was allocated with (`None` for caches and pools).
    pub(crate) gfp: Option<Gfp>,
    /// The cache or pool it came from, by its name in the lab.
    pub(crate) parent: Option<Name>,
    /// The memory.
    pub(crate) memory: Memory,
}

impl Object {
    /// The object's bytes, where the object holds them; `None` for caches and pools (no bytes),
    /// lent pages (see [`super::alias`]) and what the device keeps (see [`super::access`]).
    pub(crate) fn bytes(&self) -> Option<&[u8]> {
        Some(match &self.memory {
            Memory::Kmalloc(buf) => buf.as_slice(),
            Memory::Vmalloc(buf) => buf.as_slice(),
            Memory::Pages(pages) => pages.as_slice(),
            Memory::FreePages(pages) => pages.as_slice(),
            Memory::Slab(object) => object.as_slice(),
            Memory::Element(element) => element.as_slice(),
            Memory::Vmap { map, .. } => map.as_slice(),
            Memory::Kmap { map, .. } => map.as_slice(),
            Memory::Cache(_)
            | Memory::Pool(_)
            | Memory::HighPages(_)
            | Memory::Lent { .. }
            | Memory::Dma { .. }
            | Memory::Io { .. } => return None,
        })
    }

    /// The object's bytes, writable; `None` where [`Object::bytes`] is `None`.
    pub(crate) fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        Some(match &mut self.memory {
            Memory::Kmalloc(buf) => buf.as_mut_slice(),
            Memory::Vmalloc(buf) => buf.as_mut_slice(),
            Memory::Pages(pages) => pages.as_mut_slice(),
            Memory::FreePages(pages) => pages.as_mut_slice(),
            Memory::Slab(object) => object.as_mut_slice(),
            Memory::Element(element) => element.as_mut_slice(),
            Memory::Vmap { map, .. } => map.as_mut_slice(),
            Memory::Kmap { map, .. } => map.as_mut_slice(),
            Memory::Cache(_)
            | Memory::Pool(_)
            | Memory::HighPages(_)
            | Memory::Lent { .. }
            | Memory::Dma { .. }
            | Memory::Io { .. } => return None,
        })
    }

    /// What the allocator really set aside: `ksize` for kmalloc, the pages otherwise.
    pub(crate) fn real_size(&self) -> u64 {
        // CAST: `usize` fits `u64`.
        match &self.memory {
            Memory::Kmalloc(buf) => buf.ksize() as u64,
            Memory::Vmalloc(buf) if buf.is_vmalloc() => {
                (buf.pages().count() * kernel::page::PAGE_SIZE) as u64
            }
            Memory::Vmalloc(buf) => buf.len() as u64,
            Memory::Pages(pages) => pages.len() as u64,
            Memory::HighPages(pages) => (pages.count() * kernel::page::PAGE_SIZE) as u64,
            Memory::FreePages(pages) => pages.len() as u64,
            Memory::Slab(object) => object.cache().object_size() as u64,
            Memory::Element(element) => element.pool().element_size() as u64,
            Memory::Cache(cache) => cache.object_size() as u64,
            Memory::Pool(pool) => (pool.min_nr() * pool.element_size()) as u64,
            Memory::Vmap { map, .. } => map.len() as u64,
            Memory::Kmap { .. } => kernel::page::PAGE_SIZE as u64,
            Memory::Lent { len, .. } | Memory::Dma { len, .. } | Memory::Io { len, .. } => {
                *len as u64
            }
        }
    }

    /// The kernel virtual address of the first byte; of the C structure for caches and pools; 0
    /// for highmem pages that have none (no `kmap` maps their first page).
    pub(crate) fn address(&self) -> usize {
        match &self.memory {
            Memory::HighPages(pages) => pages.page_address(0).ok().flatten().unwrap_or(0),
            // CAST: pointer to address, for display.
            Memory::Cache(cache) => cache.as_raw() as usize,
            Memory::Pool(pool) => pool.addr(),
            Memory::Lent { address, .. }
            | Memory::Dma { address, .. }
            | Memory::Io { address, .. } => *address,
            // CAST: pointer to address, for display.
            _ => self.bytes().map_or(0, |bytes| bytes.as_ptr() as usize),
        }
    }

    /// Writes the physical page frames the object lies in, as runs, and their zones.
    fn write_placement(&self, f: &mut impl fmt::Write) -> fmt::Result {
        let page = kernel::page::PAGE_SIZE as u64;
        // Every kind but vmalloc memory is one physically contiguous run.
        let block = |start| PfnRange {
            start,
            end: start + self.real_size() / page,
        };
        // A run of `len` bytes from physical address `phys`.
        let bytes = |phys: u64, len: u64| PfnRange {
            start: phys / page,
            end: (phys + len.max(1) - 1) / page + 1,
        };
        let run = match &self.memory {
            Memory::Vmalloc(buf) => return write_runs(f, pfn_runs(buf.pfns())),
            // CAST: `usize` fits `u64`.
            Memory::Kmalloc(buf) => bytes(buf.phys_addr(0).unwrap_or(0), buf.len() as u64),
            Memory::Pages(pages) => block(pages.placement().pfn),
            Memory::HighPages(pages) => block(pages.placement().pfn),
            Memory::FreePages(pages) => block(pages.placement().pfn),
            Memory::Slab(object) => bytes(object.phys_addr(), self.real_size()),
            Memory::Element(element) => bytes(element.phys_addr(), self.real_size()),
            Memory::Vmap { map, .. } => {
                let pfns = map.blocks().iter().flat_map(|block| {
                    let start = block.placement().pfn;
                    // CAST: `usize` fits `u64`.
                    (0..block.count() as u64).map(move |page| start + page)
                });
                return write_runs(f, pfn_runs(pfns));
            }
            Memory::Kmap { map, .. } => {
                // CAST: `usize` fits `u64`.
                let pfn = map.block().placement().pfn + map.index() as u64;
                PfnRange {
                    start: pfn,
                    end: pfn + 1,
                }
            }
            Memory::Lent { pfn, .. } => block(*pfn),
            // What the device sees: the bus address (without an IOMMU, the physical one).
            Memory::Dma { dma_handle, .. } => return write!(f, "bus:{dma_handle:#x} -"),
            // Device memory: no zone.
            Memory::Io { phys, len, .. } => {
                // CAST: `usize` fits `u64`.
                return write!(f, "{} mmio", bytes(*phys, *len as u64));
            }
            Memory::Cache(_) | Memory::Pool(_) => return f.write_str("- -"),
        };
        write_runs(f, core::iter::once(run))
    }

    /// Writes one line of `objects` for this object, called `name`.
    pub(crate) fn write_line(&self, f: &mut impl fmt::Write, name: &str) -> fmt::Result {
        write!(
            f,
            "{name:<16} {:<16} {:>10} {:>10} {} ",
            self.api.name(),
            Decimal(self.asked),
            Decimal(self.real_size()),
            Address(self.address())
        )?;
        self.write_placement(f)?;
        match (&self.memory, self.gfp) {
            (Memory::Cache(cache), _) => {
                write!(f, " {}", cache.flags())?;
                if let Some(byte) = cache.fill_byte() {
                    write!(f, ",ctor={byte:#04x}")?;
                }
            }
            (Memory::Pool(pool), _) => write!(f, " min_nr={}", pool.min_nr())?,
            (_, Some(gfp)) => write!(f, " {gfp}")?,
            (_, None) => f.write_str(" -")?,
        }
        match (&self.memory, &self.parent) {
            (Memory::Vmap { pages, .. }, _) => {
                for (i, page) in pages.iter().enumerate() {
                    write!(f, "{}{}", if i == 0 { " " } else { "," }, page.as_str())?;
                }
                writeln!(f)
            }
            (Memory::Kmap { map, pages }, _) => writeln!(f, " {}[{}]", pages.as_str(), map.index()),
            (Memory::Lent { alias, .. }, _) => writeln!(f, " lent:{}", alias.as_str()),
            (_, Some(parent)) => writeln!(f, " {}", parent.as_str()),
            (Memory::Dma { .. } | Memory::Io { .. }, _) => writeln!(f, " edu"),
            (_, None) => writeln!(f, " -"),
        }
    }
}

/// An address in the `objects` table, `0x` and as many digits as a pointer has; `-` for none
/// (highmem pages that no `kmap` maps).
struct Address(usize);

impl Address {
    /// The column's width.
    const WIDTH: usize = 2 + 2 * core::mem::size_of::<usize>();
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = Self::WIDTH;
        match self.0 {
            0 => write!(f, "{:<width$}", "-"),
            address => write!(f, "{address:#0width$x}"),
        }
    }
}

/// The header line of `objects`.
pub(crate) fn write_header(f: &mut impl fmt::Write) -> fmt::Result {
    writeln!(
        f,
        "{:<16} {:<16} {:>10} {:>10} {:<width$} pfns zones flags parent",
        "name",
        "api",
        "size",
        "real",
        "address",
        width = Address::WIDTH
    )
}

/// Writes `runs` as `pfn-pfn,...` (at most [`RUNS_SHOWN`], then `+N`), a space, and the zones
/// they lie in.
fn write_runs(f: &mut impl fmt::Write, runs: impl Iterator<Item = PfnRange>) -> fmt::Result {
    let mut count = 0;
    let mut zones: [Option<&'static str>; 4] = [None; 4];
    for run in runs {
        if count < RUNS_SHOWN {
            write!(f, "{}{run}", if count == 0 { "" } else { "," })?;
        }
        count += 1;
        for zone in shim::zones() {
            let overlaps = zone.start_pfn < run.end && run.start < zone.end_pfn;
            if overlaps && !zones.contains(&Some(zone.name)) {
                if let Some(free) = zones.iter_mut().find(|z| z.is_none()) {
                    *free = Some(zone.name);
                }
            }
        }
    }
    if count > RUNS_SHOWN {
        write!(f, ",+{}", count - RUNS_SHOWN)?;
    }
    f.write_str(" ")?;
    let mut separator = "";
    for zone in zones.iter().flatten() {
        write!(f, "{separator}{zone}")?;
        separator = ",";
    }
    Ok(())
}
