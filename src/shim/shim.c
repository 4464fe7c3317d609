// SPDX-License-Identifier: GPL-2.0
/*
 * memlab's C shim; see shim.h for why it exists. Every function here is a direct call of the
 * kernel API it is named after, with no policy of its own: the safe Rust layer above decides.
 */
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/utsname.h>
#include <asm/dma.h>

#include "shim.h"

void memlab_facts(struct memlab_facts *facts)
{
	facts->page_size = PAGE_SIZE;
	facts->max_page_order = MAX_PAGE_ORDER;
	facts->kmalloc_min_size = KMALLOC_MIN_SIZE;
	facts->kmalloc_max_cache_size = KMALLOC_MAX_CACHE_SIZE;
	facts->kmalloc_max_size = KMALLOC_MAX_SIZE;
	facts->dma_zone_end = (phys_addr_t)MAX_DMA_PFN << PAGE_SHIFT;
	facts->dma32_zone_end = (phys_addr_t)MAX_DMA32_PFN << PAGE_SHIFT;
}

const char *memlab_kernel_release(void)
{
	return init_utsname()->release;
}

bool memlab_zone(unsigned int index, struct memlab_zone *out)
{
	int nid;

	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);
		int z;

		for (z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &pgdat->node_zones[z];

			if (!populated_zone(zone))
				continue;
			if (index--)
				continue;
			out->name = zone->name;
			out->node = nid;
			out->start_pfn = zone->zone_start_pfn;
			out->end_pfn = zone_end_pfn(zone);
			out->present_pages = zone->present_pages;
			out->managed_pages = zone_managed_pages(zone);
			return true;
		}
	}
	return false;
}

void *memlab_kmalloc(size_t size, gfp_t flags)
{
	return kmalloc(size, flags);
}

void *memlab_kzalloc(size_t size, gfp_t flags)
{
	return kzalloc(size, flags);
}

void *memlab_kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags);
}

void *memlab_kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kcalloc(n, size, flags);
}

void *memlab_krealloc(const void *p, size_t new_size, gfp_t flags)
{
	return krealloc(p, new_size, flags);
}
