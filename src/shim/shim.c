// SPDX-License-Identifier: GPL-2.0
/*
 * memlab's C shim; see shim.h for why it exists. Every function here is a direct call of the
 * kernel API it is named after, with no policy of its own (beyond telling apart two failures C
 * reports as one NULL): the safe Rust layer above decides.
 */
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/sched.h>
#include <linux/utsname.h>
#include <asm/dma.h>
#include <asm/processor.h>
#include <kunit/test.h>
#include <kunit/test-bug.h>

#include "shim.h"

/* The end of zone @type on the first node, or 0 if that zone is not populated there. */
static __maybe_unused phys_addr_t memlab_zone_end(enum zone_type type)
{
	struct zone *zone = &NODE_DATA(first_online_node)->node_zones[type];

	return populated_zone(zone) ? PFN_PHYS(zone_end_pfn(zone)) : 0;
}

void memlab_facts(struct memlab_facts *facts)
{
	facts->page_size = PAGE_SIZE;
	facts->max_page_order = MAX_PAGE_ORDER;
	facts->kmalloc_min_size = KMALLOC_MIN_SIZE;
	facts->kmalloc_max_cache_size = KMALLOC_MAX_CACHE_SIZE;
	facts->kmalloc_max_size = KMALLOC_MAX_SIZE;
	facts->dma_zone_end = 0;
	facts->dma32_zone_end = 0;
#ifdef CONFIG_ZONE_DMA
	facts->dma_zone_end = memlab_zone_end(ZONE_DMA);
#endif
#ifdef CONFIG_ZONE_DMA32
	facts->dma32_zone_end = memlab_zone_end(ZONE_DMA32);
#endif
	facts->high_memory = (unsigned long)high_memory;
	facts->kmap_start = 0;
	facts->kmap_end = 0;
	facts->kmap_local_start = 0;
	facts->kmap_local_end = 0;
#ifdef CONFIG_HIGHMEM
	facts->kmap_start = PKMAP_BASE;
	facts->kmap_end = PKMAP_BASE + LAST_PKMAP * PAGE_SIZE;
	/* The fixmap grows down: the last slot has the lowest address. */
	facts->kmap_local_start = __fix_to_virt(FIX_KMAP_END);
	facts->kmap_local_end = __fix_to_virt(FIX_KMAP_BEGIN) + PAGE_SIZE;
#endif
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

void *memlab_vmalloc(unsigned long size)
{
	return vmalloc(size);
}

void *memlab_vzalloc(unsigned long size)
{
	return vzalloc(size);
}

/* As mm/vmalloc.c defines it for vmalloc_32(). */
#if defined(CONFIG_64BIT) && defined(CONFIG_ZONE_DMA32)
#define MEMLAB_GFP_VMALLOC32 (GFP_DMA32 | GFP_KERNEL)
#elif defined(CONFIG_64BIT) && defined(CONFIG_ZONE_DMA)
#define MEMLAB_GFP_VMALLOC32 (GFP_DMA | GFP_KERNEL)
#else
#define MEMLAB_GFP_VMALLOC32 GFP_KERNEL
#endif

void *memlab_vmalloc_32(unsigned long size, bool nowarn)
{
#ifdef CONFIG_TEST_VMALLOC_MODULE
	/*
	 * vmalloc_32() itself, with __GFP_NOWARN added. mm/vmalloc.c exports __vmalloc_node() only
	 * for test_vmalloc; __vmalloc() would strip __GFP_DMA32 with a warning.
	 */
	if (nowarn)
		return __vmalloc_node(size, 1, MEMLAB_GFP_VMALLOC32 | __GFP_NOWARN, NUMA_NO_NODE,
				      __builtin_return_address(0));
#endif
	return vmalloc_32(size);
}

void *memlab_vmalloc_flags(unsigned long size, gfp_t flags)
{
	return __vmalloc(size, flags);
}

void *memlab_kvmalloc(size_t size, gfp_t flags)
{
	return kvmalloc(size, flags);
}

void memlab_vfree(const void *addr)
{
	vfree(addr);
}

void *memlab_vmap(struct page **pages, unsigned int count)
{
	return vmap(pages, count, VM_MAP, PAGE_KERNEL);
}

void memlab_vunmap(const void *addr)
{
	vunmap(addr);
}

struct page *memlab_alloc_pages(gfp_t flags, unsigned int order)
{
	return alloc_pages(flags, order);
}

unsigned long memlab_alloc_pages_bulk(gfp_t flags, unsigned int n, struct page **pages)
{
	return alloc_pages_bulk(flags, n, pages);
}

void *memlab_page_address(const struct page *page)
{
	return page_address(page);
}

unsigned long memlab_page_to_pfn(const struct page *page)
{
	return page_to_pfn(page);
}

struct page *memlab_page_nth(struct page *page, unsigned long n)
{
	return pfn_to_page(page_to_pfn(page) + n);
}

const char *memlab_page_zone_name(const struct page *page)
{
	return page_zone(page)->name;
}

struct page *memlab_virt_to_page(const void *addr)
{
	return virt_to_page(addr);
}

void *memlab_kmap(struct page *page)
{
	return kmap(page);
}

void memlab_kunmap(struct page *page)
{
	kunmap(page);
}

void *memlab_kmap_local_page(struct page *page)
{
	return kmap_local_page(page);
}

void memlab_kunmap_local(const void *addr)
{
	kunmap_local(addr);
}

bool memlab_page_is_highmem(const struct page *page)
{
	return PageHighMem(page);
}

int memlab_kmap_local_depth(void)
{
#ifdef CONFIG_KMAP_LOCAL
	return current->kmap_ctrl.idx;
#else
	return 0;
#endif
}

bool memlab_fail_nth_arm(unsigned int n)
{
#ifdef CONFIG_FAULT_INJECTION
	if (!in_task())
		return false;
	WRITE_ONCE(current->fail_nth, n);
	return true;
#else
	return false;
#endif
}

unsigned int memlab_fail_nth_disarm(void)
{
#ifdef CONFIG_FAULT_INJECTION
	unsigned int left = READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return left;
#else
	return 0;
#endif
}

struct mempool *memlab_mempool_create_kmalloc(int min_nr, size_t size)
{
	return mempool_create_kmalloc_pool(min_nr, size);
}

struct mempool *memlab_mempool_create_slab(int min_nr, struct kmem_cache *cache)
{
	return mempool_create_slab_pool(min_nr, cache);
}

struct mempool *memlab_mempool_create_page(int min_nr, int order)
{
	return mempool_create_page_pool(min_nr, order);
}

/*
 * The allocator of a pool under pressure: a kmalloc of pool_data bytes, refused (NULL) when the
 * caller may not reclaim. mempool_alloc() first calls its allocator without
 * __GFP_DIRECT_RECLAIM, so that call always fails and the element comes from the reserve while
 * it lasts; the reserve's fill at creation (GFP_KERNEL) succeeds.
 */
static void *memlab_kmalloc_reclaim_only(gfp_t flags, void *pool_data)
{
	if (!(flags & __GFP_DIRECT_RECLAIM))
		return NULL;
	return kmalloc((size_t)pool_data, flags);
}

/*
 * Its free: kfree(). Not mempool_kfree(): with CONFIG_SLUB_DEBUG_ON, mempool checks the poison
 * of an element leaving the reserve of any pool whose free is mempool_kfree, but poisons only
 * those of pools whose alloc is mempool_kmalloc.
 */
static void memlab_kfree_element(void *element, void *pool_data)
{
	kfree(element);
}

struct mempool *memlab_mempool_create_kmalloc_reclaim_only(int min_nr, size_t size)
{
	return mempool_create(min_nr, memlab_kmalloc_reclaim_only, memlab_kfree_element,
			      (void *)size);
}

void *memlab_mempool_alloc(struct mempool *pool, gfp_t flags)
{
	return mempool_alloc(pool, flags);
}

int memlab_mempool_reserve(struct mempool *pool)
{
	return READ_ONCE(pool->curr_nr);
}

bool memlab_region_has_ram(phys_addr_t start, size_t size)
{
	return region_intersects(start, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) !=
	       REGION_DISJOINT;
}

int memlab_of_mmio(const char *compatible, phys_addr_t *start, size_t *size)
{
#ifdef CONFIG_OF
	struct device_node *np = of_find_compatible_node(NULL, NULL, compatible);
	struct resource res;
	int err;

	if (!np)
		return -ENODEV;
	err = of_address_to_resource(np, 0, &res);
	of_node_put(np);
	if (err)
		return err;
	*start = res.start;
	*size = resource_size(&res);
	return 0;
#else
	return -ENODEV;
#endif
}

int memlab_request_mem_region(phys_addr_t start, size_t size, const char *name)
{
	if (request_mem_region(start, size, name))
		return 0;
	/* A conflict is a busy resource in the range; otherwise the allocation failed. */
	if (region_intersects(start, size, IORESOURCE_BUSY, IORES_DESC_NONE) != REGION_DISJOINT)
		return -EBUSY;
	return -ENOMEM;
}

void memlab_release_mem_region(phys_addr_t start, size_t size)
{
	release_mem_region(start, size);
}

void memlab_kunit_skip(const char *reason)
{
#if IS_ENABLED(CONFIG_KUNIT)
	struct kunit *test = kunit_get_current_test();

	if (test)
		kunit_mark_skipped(test, "%s", reason);
#endif
}

void memlab_freeze(void *p, size_t len)
{
	asm volatile("" : : "r"(p), "r"(len) : "memory");
}

int memlab_debugfs_restrict(const char *name, const char *child)
{
	struct iattr attr = { .ia_valid = ATTR_MODE, .ia_mode = S_IFDIR | 0700 };
	struct dentry *dir, *target;
	int err;

	dir = debugfs_lookup(name, NULL);
	if (!dir)
		return -ENOENT;
	target = child ? debugfs_lookup(child, dir) : dget(dir);
	dput(dir);
	if (!target)
		return -ENOENT;
	inode_lock(d_inode(target));
	err = notify_change(&nop_mnt_idmap, target, &attr, NULL);
	inode_unlock(d_inode(target));
	dput(target);
	return err;
}

unsigned long memlab_bench_kmalloc(size_t size, gfp_t flags, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		void *p = kmalloc(size, flags);

		OPTIMIZER_HIDE_VAR(p);
		if (!p)
			failed++;
		kfree(p);
	}
	return failed;
}

unsigned long memlab_bench_vmalloc(unsigned long size, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		void *p = vmalloc(size);

		OPTIMIZER_HIDE_VAR(p);
		if (!p)
			failed++;
		vfree(p);
	}
	return failed;
}

unsigned long memlab_bench_pages(unsigned int order, gfp_t flags, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		struct page *page = alloc_pages(flags, order);

		OPTIMIZER_HIDE_VAR(page);
		if (page)
			__free_pages(page, order);
		else
			failed++;
	}
	return failed;
}

unsigned long memlab_bench_krealloc(size_t size, gfp_t flags, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		void *p = kmalloc(size / 2, flags);
		void *grown = p ? krealloc(p, size, flags) : NULL;

		OPTIMIZER_HIDE_VAR(grown);
		if (!grown) {
			failed++;
			kfree(p);
		} else {
			kfree(grown);
		}
	}
	return failed;
}

unsigned long memlab_bench_kvmalloc(size_t size, gfp_t flags, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		void *p = kvmalloc(size, flags);

		OPTIMIZER_HIDE_VAR(p);
		if (!p)
			failed++;
		kvfree(p);
	}
	return failed;
}

unsigned long memlab_bench_vzalloc(unsigned long size, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		void *p = vzalloc(size);

		OPTIMIZER_HIDE_VAR(p);
		if (!p)
			failed++;
		vfree(p);
	}
	return failed;
}

unsigned long memlab_bench_vmalloc_32(unsigned long size, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		void *p = vmalloc_32(size);

		OPTIMIZER_HIDE_VAR(p);
		if (!p)
			failed++;
		vfree(p);
	}
	return failed;
}

unsigned long memlab_bench_get_free_pages(unsigned int order, gfp_t flags, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		unsigned long addr = __get_free_pages(flags, order);

		OPTIMIZER_HIDE_VAR(addr);
		if (addr)
			free_pages(addr, order);
		else
			failed++;
	}
	return failed;
}

unsigned long memlab_bench_get_zeroed_page(gfp_t flags, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		unsigned long addr = get_zeroed_page(flags);

		OPTIMIZER_HIDE_VAR(addr);
		if (addr)
			free_page(addr);
		else
			failed++;
	}
	return failed;
}

unsigned long memlab_bench_kmem_cache(struct kmem_cache *cache, gfp_t flags, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		void *p = kmem_cache_alloc(cache, flags);

		OPTIMIZER_HIDE_VAR(p);
		if (p)
			kmem_cache_free(cache, p);
		else
			failed++;
	}
	return failed;
}

unsigned long memlab_bench_mempool(struct mempool *pool, gfp_t flags, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		void *p = mempool_alloc(pool, flags);

		OPTIMIZER_HIDE_VAR(p);
		if (p)
			mempool_free(p, pool);
		else
			failed++;
	}
	return failed;
}

unsigned long memlab_bench_vmap(struct page **pages, unsigned int count, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		void *addr = vmap(pages, count, VM_MAP, PAGE_KERNEL);

		OPTIMIZER_HIDE_VAR(addr);
		if (addr)
			vunmap(addr);
		else
			failed++;
	}
	return failed;
}

void memlab_bench_kmap_local(struct page *page, unsigned long iters)
{
	unsigned long i;

	for (i = 0; i < iters; i++) {
		struct page *this = page;
		void *addr;

		/*
		 * Without HIGHMEM the mapping is page_address() and the unmapping nothing: keep
		 * the page unknown and the address used, or the compiler drops the loop.
		 */
		OPTIMIZER_HIDE_VAR(this);
		addr = kmap_local_page(this);
		barrier_data(addr);
		kunmap_local(addr);
	}
}

/* One allocation of @alloc, as a pointer (a struct page * for alloc_pages). */
static __always_inline void *bench_alloc(const struct memlab_bench_alloc *alloc)
{
	switch (alloc->api) {
	case MEMLAB_BENCH_KMALLOC:
		return kmalloc(alloc->size, alloc->flags);
	case MEMLAB_BENCH_KVMALLOC:
		return kvmalloc(alloc->size, alloc->flags);
	case MEMLAB_BENCH_VMALLOC:
		return vmalloc(alloc->size);
	case MEMLAB_BENCH_VZALLOC:
		return vzalloc(alloc->size);
	case MEMLAB_BENCH_VMALLOC_32:
		return vmalloc_32(alloc->size);
	case MEMLAB_BENCH_PAGES:
		return alloc_pages(alloc->flags, alloc->order);
	case MEMLAB_BENCH_GET_FREE_PAGES:
		return (void *)__get_free_pages(alloc->flags, alloc->order);
	case MEMLAB_BENCH_ZEROED_PAGE:
		return (void *)get_zeroed_page(alloc->flags);
	case MEMLAB_BENCH_KMEM_CACHE:
		return kmem_cache_alloc(alloc->cache, alloc->flags);
	case MEMLAB_BENCH_MEMPOOL:
		return mempool_alloc(alloc->pool, alloc->flags);
	}
	return NULL;
}

/* Frees @p, an allocation of @alloc. */
static __always_inline void bench_free(const struct memlab_bench_alloc *alloc, void *p)
{
	switch (alloc->api) {
	case MEMLAB_BENCH_KMALLOC:
		kfree(p);
		return;
	case MEMLAB_BENCH_KVMALLOC:
		kvfree(p);
		return;
	case MEMLAB_BENCH_VMALLOC:
	case MEMLAB_BENCH_VZALLOC:
	case MEMLAB_BENCH_VMALLOC_32:
		vfree(p);
		return;
	case MEMLAB_BENCH_PAGES:
		__free_pages(p, alloc->order);
		return;
	case MEMLAB_BENCH_GET_FREE_PAGES:
	case MEMLAB_BENCH_ZEROED_PAGE:
		free_pages((unsigned long)p, alloc->order);
		return;
	case MEMLAB_BENCH_KMEM_CACHE:
		kmem_cache_free(alloc->cache, p);
		return;
	case MEMLAB_BENCH_MEMPOOL:
		mempool_free(p, alloc->pool);
		return;
	}
}

/*
 * The batch of one allocator: the switch on @api is outside the loops (each case below is its
 * own pair of loops once bench_alloc() and bench_free() are inlined with a constant api).
 */
static __always_inline unsigned long bench_batch(const struct memlab_bench_alloc *alloc,
						 enum memlab_bench_api api, void **slots,
						 const u32 *free_order, unsigned long n)
{
	struct memlab_bench_alloc one = *alloc;
	unsigned long i, failed = 0;

	one.api = api;
	for (i = 0; i < n; i++) {
		void *p = bench_alloc(&one);

		OPTIMIZER_HIDE_VAR(p);
		if (!p)
			failed++;
		slots[i] = p;
	}
	for (i = 0; i < n; i++) {
		void *p = slots[free_order[i]];

		if (p)
			bench_free(&one, p);
	}
	return failed;
}

unsigned long memlab_bench_batch(const struct memlab_bench_alloc *alloc, void **slots,
				 const u32 *free_order, unsigned long n)
{
	switch (alloc->api) {
#define BATCH(api) \
	case api: \
		return bench_batch(alloc, api, slots, free_order, n)
	BATCH(MEMLAB_BENCH_KMALLOC);
	BATCH(MEMLAB_BENCH_KVMALLOC);
	BATCH(MEMLAB_BENCH_VMALLOC);
	BATCH(MEMLAB_BENCH_VZALLOC);
	BATCH(MEMLAB_BENCH_VMALLOC_32);
	BATCH(MEMLAB_BENCH_PAGES);
	BATCH(MEMLAB_BENCH_GET_FREE_PAGES);
	BATCH(MEMLAB_BENCH_ZEROED_PAGE);
	BATCH(MEMLAB_BENCH_KMEM_CACHE);
	BATCH(MEMLAB_BENCH_MEMPOOL);
#undef BATCH
	}
	return n;
}

/* The touch loop of one allocator: allocate, write every byte, free. */
static __always_inline unsigned long bench_touch(const struct memlab_bench_alloc *alloc,
						 enum memlab_bench_api api, unsigned long iters)
{
	struct memlab_bench_alloc one = *alloc;
	unsigned long i, failed = 0;

	one.api = api;
	for (i = 0; i < iters; i++) {
		void *p = bench_alloc(&one);

		OPTIMIZER_HIDE_VAR(p);
		if (!p) {
			failed++;
			continue;
		}
		memset(api == MEMLAB_BENCH_PAGES ? page_address(p) : p, 0xa5, one.size);
		bench_free(&one, p);
	}
	return failed;
}

unsigned long memlab_bench_touch(const struct memlab_bench_alloc *alloc, unsigned long iters)
{
	switch (alloc->api) {
	case MEMLAB_BENCH_KMALLOC:
		return bench_touch(alloc, MEMLAB_BENCH_KMALLOC, iters);
	case MEMLAB_BENCH_VMALLOC:
		return bench_touch(alloc, MEMLAB_BENCH_VMALLOC, iters);
	case MEMLAB_BENCH_PAGES:
		return bench_touch(alloc, MEMLAB_BENCH_PAGES, iters);
	default:
		return ULONG_MAX;
	}
}

unsigned long memlab_bench_kmem_cache_bulk(struct kmem_cache *cache, gfp_t flags, void **slots,
					   unsigned long n)
{
	if (!kmem_cache_alloc_bulk(cache, flags, n, slots))
		return n;
	kmem_cache_free_bulk(cache, n, slots);
	return 0;
}

unsigned long memlab_bench_pages_bulk(gfp_t flags, struct page **pages, unsigned long n)
{
	unsigned long i, got;

	memset(pages, 0, n * sizeof(*pages));
	got = alloc_pages_bulk(flags, n, pages);
	for (i = 0; i < got; i++)
		__free_page(pages[i]);
	return n - got;
}

unsigned long memlab_bench_ioremap(phys_addr_t start, size_t len, unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		void __iomem *addr = ioremap(start, len);

		OPTIMIZER_HIDE_VAR(addr);
		if (addr)
			iounmap(addr);
		else
			failed++;
	}
	return failed;
}

unsigned long memlab_bench_dma_coherent(struct device *dev, size_t size, gfp_t flags,
					unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		dma_addr_t handle;
		void *cpu = dma_alloc_coherent(dev, size, &handle, flags);

		OPTIMIZER_HIDE_VAR(cpu);
		if (cpu)
			dma_free_coherent(dev, size, cpu, handle);
		else
			failed++;
	}
	return failed;
}

bool memlab_irqs_disabled(void)
{
	return irqs_disabled();
}

void memlab_cond_resched(void)
{
	cond_resched();
}

struct task_struct *memlab_kthread_run_on(int (*fn)(void *), void *data, unsigned int cpu)
{
	struct task_struct *task;

	/* memlab's guests do not unplug CPUs; a CPU that goes while this runs is not handled. */
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return ERR_PTR(-EINVAL);
	task = kthread_create(fn, data, "memlab_bench/%u", cpu);
	if (IS_ERR(task))
		return task;
	kthread_bind(task, cpu);
	get_task_struct(task);
	wake_up_process(task);
	return task;
}

int memlab_kthread_join(struct task_struct *task)
{
	return kthread_stop_put(task);
}

void memlab_purge_lazy_vmap_areas(void)
{
	vm_unmap_aliases();
}

unsigned long memlab_context_switches(void)
{
	return READ_ONCE(current->nvcsw) + READ_ONCE(current->nivcsw);
}

/*
 * Slab debugging leaves no exported flag, but it shows in ksize(): a cache of 21-byte objects
 * has slots of at least ALIGN(21, sizeof(void *)) bytes (an odd size is padded whatever the
 * pointer size; 20, a multiple of 32-bit arm's, would not tell), and ksize() reports the slot
 * unless red zones or poisoning guard the padding, when it reports the 21 bytes (slab_ksize()
 * in mm/slub.c). SLAB_NO_MERGE keeps the probe from borrowing another cache's geometry.
 */
static int memlab_slab_debug_probe(void)
{
	struct kmem_cache *probe;
	void *object;
	int active;

	probe = kmem_cache_create("memlab_slab_probe", 21, 0, SLAB_NO_MERGE, NULL);
	if (!probe)
		return -ENOMEM;
	object = kmem_cache_alloc(probe, GFP_KERNEL);
	if (object) {
		active = ksize(object) < ALIGN(21, sizeof(void *));
		kmem_cache_free(probe, object);
	} else {
		active = -ENOMEM;
	}
	kmem_cache_destroy(probe);
	return active;
}

int memlab_bench_host(struct memlab_bench_host *host)
{
	int slab_debug = memlab_slab_debug_probe();

	if (slab_debug < 0)
		return slab_debug;
	host->kasan = IS_ENABLED(CONFIG_KASAN);
	host->kmemleak = IS_ENABLED(CONFIG_DEBUG_KMEMLEAK);
	host->lockdep = IS_ENABLED(CONFIG_LOCKDEP);
	host->debug_vm = IS_ENABLED(CONFIG_DEBUG_VM);
	host->debug_atomic_sleep = IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP);
	host->debug_pagealloc = debug_pagealloc_enabled();
	host->slub_tiny = IS_ENABLED(CONFIG_SLUB_TINY);
	host->slab_debug = slab_debug;
	host->init_on_alloc = want_init_on_alloc(0);
	host->init_on_free = want_init_on_free();
	host->cpus = num_online_cpus();
#ifdef CONFIG_X86
	host->cpu_model = boot_cpu_data.x86_model_id;
#else
	host->cpu_model = "";
#endif
	return 0;
}
