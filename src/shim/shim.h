/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memlab's C shim: the pieces of the kernel's memory API that Rust cannot reach directly in
 * Linux 7.3, because they are macros (kmalloc), depend on run-time values (PAGE_KERNEL) or
 * live in headers the kernel crate's bindings do not include.
 *
 * This header is the single source of truth for the shim's interface: the module's Kbuild runs
 * bindgen over it, so the Rust declarations (generated/bindings_generated.rs) are generated,
 * never copied by hand. bindgen also wraps the `static inline` kernel functions named in the
 * Kbuild (memlab_static_fns) into real functions (generated/bindings_wrappers.c).
 */
#ifndef MEMLAB_SHIM_H
#define MEMLAB_SHIM_H

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/types.h>

/**
 * struct memlab_facts - compile-time facts of the running kernel's memory layout.
 * @page_size: PAGE_SIZE.
 * @max_page_order: MAX_PAGE_ORDER, the largest order the page allocator serves.
 * @kmalloc_min_size: KMALLOC_MIN_SIZE, the smallest kmalloc bucket.
 * @kmalloc_max_cache_size: KMALLOC_MAX_CACHE_SIZE, the largest slab-backed kmalloc size.
 * @kmalloc_max_size: KMALLOC_MAX_SIZE, the largest size kmalloc serves at all.
 * @dma_zone_end: first physical address above ZONE_DMA (MAX_DMA_PFN << PAGE_SHIFT).
 * @dma32_zone_end: first physical address above ZONE_DMA32 (MAX_DMA32_PFN << PAGE_SHIFT).
 */
struct memlab_facts {
	unsigned long page_size;
	unsigned int max_page_order;
	unsigned long kmalloc_min_size;
	unsigned long kmalloc_max_cache_size;
	unsigned long kmalloc_max_size;
	phys_addr_t dma_zone_end;
	phys_addr_t dma32_zone_end;
};

/**
 * struct memlab_zone - one populated memory zone, read from its node's pglist_data.
 * @name: the zone's name ("DMA", "DMA32", "Normal", ...), static storage.
 * @node: NUMA node id.
 * @start_pfn: first page frame number the zone spans.
 * @end_pfn: one past the last page frame number the zone spans.
 * @present_pages: pages that physically exist in the span.
 * @managed_pages: pages the buddy allocator manages.
 */
struct memlab_zone {
	const char *name;
	int node;
	unsigned long start_pfn;
	unsigned long end_pfn;
	unsigned long present_pages;
	unsigned long managed_pages;
};

void memlab_facts(struct memlab_facts *facts);

/* The running kernel's release string (init_utsname()->release), static storage. */
const char *memlab_kernel_release(void);

/*
 * Fills @zone with the @index-th populated zone, counting over all online nodes in order.
 * Returns false (and leaves @zone untouched) when there is no such zone.
 */
bool memlab_zone(unsigned int index, struct memlab_zone *zone);

/*
 * The kmalloc family are macros (with allocation tokens and /proc/allocinfo hooks that depend
 * on the configuration); these keep each call in C, exactly as a C caller would write it.
 */
void *memlab_kmalloc(size_t size, gfp_t flags);
void *memlab_kzalloc(size_t size, gfp_t flags);
void *memlab_kmalloc_array(size_t n, size_t size, gfp_t flags);
void *memlab_kcalloc(size_t n, size_t size, gfp_t flags);
void *memlab_krealloc(const void *p, size_t new_size, gfp_t flags);

#endif /* MEMLAB_SHIM_H */
