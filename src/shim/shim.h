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

#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

struct device;

/**
 * struct memlab_facts - compile-time facts of the running kernel's memory layout.
 * @page_size: PAGE_SIZE.
 * @max_page_order: MAX_PAGE_ORDER, the largest order the page allocator serves.
 * @kmalloc_min_size: KMALLOC_MIN_SIZE, the smallest kmalloc bucket.
 * @kmalloc_max_cache_size: KMALLOC_MAX_CACHE_SIZE, the largest slab-backed kmalloc size.
 * @kmalloc_max_size: KMALLOC_MAX_SIZE, the largest size kmalloc serves at all.
 * @dma_zone_end: first physical address above ZONE_DMA (the end of its span on the first node),
 *	or 0 if the kernel has no populated ZONE_DMA (arm's `virt` has none).
 * @dma32_zone_end: likewise for ZONE_DMA32.
 * @high_memory: the virtual address where the direct map of lowmem ends (high_memory).
 * @kmap_start: first address of kmap's pkmap area (PKMAP_BASE), 0 without CONFIG_HIGHMEM.
 * @kmap_end: one past its last address.
 * @kmap_local_start: first address of kmap_local's fixmap slots (every CPU's), 0 without
 *	CONFIG_HIGHMEM.
 * @kmap_local_end: one past its last address.
 */
struct memlab_facts {
	unsigned long page_size;
	unsigned int max_page_order;
	unsigned long kmalloc_min_size;
	unsigned long kmalloc_max_cache_size;
	unsigned long kmalloc_max_size;
	phys_addr_t dma_zone_end;
	phys_addr_t dma32_zone_end;
	unsigned long high_memory;
	unsigned long kmap_start;
	unsigned long kmap_end;
	unsigned long kmap_local_start;
	unsigned long kmap_local_end;
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

/*
 * The vmalloc family: linux/vmalloc.h is not reached by the kernel crate's bindings, and the
 * allocators are macros (alloc_hooks). vmalloc, vzalloc and vmalloc_32 use GFP_KERNEL
 * (vmalloc_32 adds GFP_DMA32; with @nowarn it also passes __GFP_NOWARN, which vmalloc_32 itself
 * cannot, on kernels that export __vmalloc_node(): those with CONFIG_TEST_VMALLOC=m, such as
 * memlab's own; elsewhere @nowarn is ignored); __vmalloc takes the caller's flags.
 */
void *memlab_vmalloc(unsigned long size);
void *memlab_vzalloc(unsigned long size);
void *memlab_vmalloc_32(unsigned long size, bool nowarn);
void *memlab_vmalloc_flags(unsigned long size, gfp_t flags);
void *memlab_kvmalloc(size_t size, gfp_t flags);
void memlab_vfree(const void *addr);

/* vmap(pages, count, VM_MAP, PAGE_KERNEL): PAGE_KERNEL is a run-time value on x86. */
void *memlab_vmap(struct page **pages, unsigned int count);
void memlab_vunmap(const void *addr);

/* The page allocator's macros and the page <-> address <-> frame conversions. */
struct page *memlab_alloc_pages(gfp_t flags, unsigned int order);
/* alloc_pages_bulk(@flags, @n, @pages): fills the NULL entries of @pages; how many are filled. */
unsigned long memlab_alloc_pages_bulk(gfp_t flags, unsigned int n, struct page **pages);
void *memlab_page_address(const struct page *page);
unsigned long memlab_page_to_pfn(const struct page *page);
/* The @n-th page of a block that starts at @page (pfn_to_page(page_to_pfn(page) + n)). */
struct page *memlab_page_nth(struct page *page, unsigned long n);
/* The name of the zone @page belongs to, static storage. */
const char *memlab_page_zone_name(const struct page *page);
/* The struct page of a direct-map address (virt_to_page). */
struct page *memlab_virt_to_page(const void *addr);

/* kmap/kunmap and kmap_local_page/kunmap_local are static inline functions and macros. */
void *memlab_kmap(struct page *page);
void memlab_kunmap(struct page *page);
void *memlab_kmap_local_page(struct page *page);
void memlab_kunmap_local(const void *addr);
/* PageHighMem(@page): whether @page lies in ZONE_HIGHMEM (always false without HIGHMEM). */
bool memlab_page_is_highmem(const struct page *page);
/* The current task's kmap_local stack index (0 without CONFIG_KMAP_LOCAL). */
int memlab_kmap_local_depth(void);

/*
 * The kernel's fault injection, per task (what /proc/self/fail-nth does): the @n-th
 * failslab/fail_page_alloc decision point the current task reaches fails. Returns false when
 * the kernel has no CONFIG_FAULT_INJECTION or the caller is not in task context.
 */
bool memlab_fail_nth_arm(unsigned int n);
/* Disarms; returns how many decision points were still to go (0: the fault was injected). */
unsigned int memlab_fail_nth_disarm(void);

/*
 * mempool: the stock pool constructors are inline functions and macros around
 * mempool_create_node (GFP_KERNEL, any node), and mempool_alloc is a macro (alloc_hooks).
 */
struct mempool *memlab_mempool_create_kmalloc(int min_nr, size_t size);
struct mempool *memlab_mempool_create_slab(int min_nr, struct kmem_cache *cache);
struct mempool *memlab_mempool_create_page(int min_nr, int order);
/*
 * A pool of @size-byte kmalloc buffers whose allocator works only when the caller may reclaim:
 * every mempool_alloc() takes its element from the reserve while the reserve lasts, as under
 * memory pressure (see Backing::KmallocReclaimOnly in src/mm/mempool.rs).
 */
struct mempool *memlab_mempool_create_kmalloc_reclaim_only(int min_nr, size_t size);
void *memlab_mempool_alloc(struct mempool *pool, gfp_t flags);
/* How many elements the pool's reserve holds now (pool->curr_nr, read once). */
int memlab_mempool_reserve(struct mempool *pool);

/*
 * MMIO regions: whether [@start, @start + @size) touches System RAM (region_intersects), and
 * request_mem_region/release_mem_region, which are macros over the iomem_resource tree.
 * memlab_request_mem_region returns 0, -EBUSY (someone else claimed part of the range) or
 * -ENOMEM (no memory for the resource): request_mem_region answers NULL for both.
 */
bool memlab_region_has_ram(phys_addr_t start, size_t size);

/*
 * The first MMIO range (@start, @size) of the first device-tree node compatible with
 * @compatible. Returns 0, -ENODEV if there is no such node (or no device tree: x86), or
 * of_address_to_resource()'s error.
 */
int memlab_of_mmio(const char *compatible, phys_addr_t *start, size_t *size);
int memlab_request_mem_region(phys_addr_t start, size_t size, const char *name);
void memlab_release_mem_region(phys_addr_t start, size_t size);

/*
 * Marks the running KUnit case as skipped with @reason (kunit_mark_skipped is a macro); the
 * case must then return. Does nothing outside a KUnit case.
 */
void memlab_kunit_skip(const char *reason);

/**
 * memlab_freeze() - Make the bytes at @p what they hold, as far as the compiler knows.
 * @p: the first byte.
 * @len: how many bytes.
 *
 * Does nothing at run time: an empty asm statement that may have read and written the @len
 * bytes at @p, out of line, so no compiler (Rust's or C's) can keep assuming they are
 * uninitialised. The bytes keep what the allocator left in them.
 */
void memlab_freeze(void *p, size_t len);

/**
 * memlab_debugfs_restrict() - Make a debugfs directory of memlab's root-only (0700).
 * @name: the directory, at the top of debugfs (e.g. "memlab").
 * @child: a directory inside it (e.g. "data"), or NULL for @name itself.
 *
 * What root's `chmod 0700` does, through the VFS (notify_change() under the inode's lock):
 * debugfs_create_dir() makes directories 0755, and the kernel crate's Dir takes no mode.
 *
 * Return: 0, -ENOENT if there is no such directory, or notify_change()'s error.
 */
int memlab_debugfs_restrict(const char *name, const char *child);

/*
 * The benchmarks' C baseline (src/bench/): each loop makes @iters alloc+free pairs through the
 * C API itself, called directly (inlined where the kernel inlines it), exactly what the Rust
 * variants do through memlab's wrappers and the kernel crate. Each returns how many of its
 * allocations failed (a failed one is not freed).
 */

/**
 * memlab_bench_kmalloc() - @iters kmalloc(@size, @flags) + kfree() pairs.
 * @size: bytes, 1 to KMALLOC_MAX_SIZE.
 * @flags: GFP flags (with __GFP_ZERO: what kzalloc() asks).
 * @iters: pairs to make.
 *
 * Context: may sleep if @flags allow it.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_kmalloc(size_t size, gfp_t flags, unsigned long iters);

/**
 * memlab_bench_vmalloc() - @iters vmalloc(@size) + vfree() pairs.
 * @size: bytes, at least 1.
 * @iters: pairs to make.
 *
 * Context: sleeps.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_vmalloc(unsigned long size, unsigned long iters);

/**
 * memlab_bench_pages() - @iters alloc_pages(@flags, @order) + __free_pages() pairs.
 * @order: 0 to MAX_PAGE_ORDER.
 * @flags: GFP flags.
 * @iters: pairs to make.
 *
 * Context: may sleep if @flags allow it.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_pages(unsigned int order, gfp_t flags, unsigned long iters);

/**
 * memlab_bench_krealloc() - @iters kmalloc(@size / 2) + krealloc(@size) + kfree() triples.
 * @size: bytes, 2 to KMALLOC_MAX_SIZE.
 * @flags: GFP flags.
 * @iters: triples to make.
 *
 * Context: may sleep if @flags allow it.
 * Return: the number of triples in which an allocation failed.
 */
unsigned long memlab_bench_krealloc(size_t size, gfp_t flags, unsigned long iters);

/**
 * memlab_bench_kvmalloc() - @iters kvmalloc(@size, @flags) + kvfree() pairs.
 * @size: bytes, 1 to INT_MAX.
 * @flags: GFP flags kvmalloc takes (GFP_KERNEL-compatible).
 * @iters: pairs to make.
 *
 * Context: sleeps.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_kvmalloc(size_t size, gfp_t flags, unsigned long iters);

/**
 * memlab_bench_vzalloc() - @iters vzalloc(@size) + vfree() pairs.
 * @size: bytes, at least 1.
 * @iters: pairs to make.
 *
 * Context: sleeps.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_vzalloc(unsigned long size, unsigned long iters);

/**
 * memlab_bench_vmalloc_32() - @iters vmalloc_32(@size) + vfree() pairs.
 * @size: bytes, at least 1.
 * @iters: pairs to make.
 *
 * Context: sleeps.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_vmalloc_32(unsigned long size, unsigned long iters);

/**
 * memlab_bench_get_free_pages() - @iters __get_free_pages(@flags, @order) + free_pages() pairs.
 * @order: 0 to MAX_PAGE_ORDER.
 * @flags: GFP flags (no __GFP_HIGHMEM: the result is a direct-map address).
 * @iters: pairs to make.
 *
 * Context: may sleep if @flags allow it.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_get_free_pages(unsigned int order, gfp_t flags, unsigned long iters);

/**
 * memlab_bench_get_zeroed_page() - @iters get_zeroed_page(@flags) + free_page() pairs.
 * @flags: GFP flags (no __GFP_HIGHMEM).
 * @iters: pairs to make.
 *
 * Context: may sleep if @flags allow it.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_get_zeroed_page(gfp_t flags, unsigned long iters);

/**
 * memlab_bench_kmem_cache() - @iters kmem_cache_alloc(@cache, @flags) + kmem_cache_free() pairs.
 * @cache: a live cache, not destroyed during the call.
 * @flags: GFP flags a cache allocation takes.
 * @iters: pairs to make.
 *
 * Context: may sleep if @flags allow it.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_kmem_cache(struct kmem_cache *cache, gfp_t flags, unsigned long iters);

/**
 * memlab_bench_mempool() - @iters mempool_alloc(@pool, @flags) + mempool_free() pairs.
 * @pool: a live pool, not destroyed during the call.
 * @flags: GFP flags mempool_alloc takes (no __GFP_ZERO, no zone modifier).
 * @iters: pairs to make.
 *
 * Context: may sleep if @flags allow it.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_mempool(struct mempool *pool, gfp_t flags, unsigned long iters);

/**
 * memlab_bench_vmap() - @iters vmap(@pages, @count, VM_MAP, PAGE_KERNEL) + vunmap() pairs.
 * @pages: @count pages, allocated and not freed during the call.
 * @count: at least 1.
 * @iters: pairs to make.
 *
 * Context: sleeps.
 * Return: the number of failed mappings.
 */
unsigned long memlab_bench_vmap(struct page **pages, unsigned int count, unsigned long iters);

/**
 * memlab_bench_kmap_local() - @iters kmap_local_page(@page) + kunmap_local() pairs.
 * @page: an allocated page, not freed during the call.
 * @iters: pairs to make.
 *
 * Context: any; migration is disabled during each mapping.
 */
void memlab_bench_kmap_local(struct page *page, unsigned long iters);

/**
 * enum memlab_bench_api - The allocators the batch and touch loops call.
 * @MEMLAB_BENCH_KMALLOC: kmalloc(size, flags) + kfree() (kzalloc: __GFP_ZERO in flags).
 * @MEMLAB_BENCH_KVMALLOC: kvmalloc(size, flags) + kvfree().
 * @MEMLAB_BENCH_VMALLOC: vmalloc(size) + vfree().
 * @MEMLAB_BENCH_VZALLOC: vzalloc(size) + vfree().
 * @MEMLAB_BENCH_VMALLOC_32: vmalloc_32(size) + vfree().
 * @MEMLAB_BENCH_PAGES: alloc_pages(flags, order) + __free_pages().
 * @MEMLAB_BENCH_GET_FREE_PAGES: __get_free_pages(flags, order) + free_pages().
 * @MEMLAB_BENCH_ZEROED_PAGE: get_zeroed_page(flags) + free_page().
 * @MEMLAB_BENCH_KMEM_CACHE: kmem_cache_alloc(cache, flags) + kmem_cache_free().
 * @MEMLAB_BENCH_MEMPOOL: mempool_alloc(pool, flags) + mempool_free().
 */
enum memlab_bench_api {
	MEMLAB_BENCH_KMALLOC,
	MEMLAB_BENCH_KVMALLOC,
	MEMLAB_BENCH_VMALLOC,
	MEMLAB_BENCH_VZALLOC,
	MEMLAB_BENCH_VMALLOC_32,
	MEMLAB_BENCH_PAGES,
	MEMLAB_BENCH_GET_FREE_PAGES,
	MEMLAB_BENCH_ZEROED_PAGE,
	MEMLAB_BENCH_KMEM_CACHE,
	MEMLAB_BENCH_MEMPOOL,
};

/**
 * struct memlab_bench_alloc - One allocation of a batch or touch loop: what to call, with what.
 * @api: the allocator.
 * @size: bytes, for the kmalloc and vmalloc families (and what touch writes for the others).
 * @order: the page order, for the page allocator.
 * @flags: GFP flags, where the allocator takes them.
 * @cache: the cache, for MEMLAB_BENCH_KMEM_CACHE.
 * @pool: the pool, for MEMLAB_BENCH_MEMPOOL.
 */
struct memlab_bench_alloc {
	enum memlab_bench_api api;
	size_t size;
	unsigned int order;
	gfp_t flags;
	struct kmem_cache *cache;
	struct mempool *pool;
};

/**
 * memlab_bench_batch() - @n allocations held in @slots, then freed in @free_order.
 * @alloc: what one allocation is.
 * @slots: room for @n pointers (a page allocation's struct page * in the page's case).
 * @free_order: a permutation of 0 .. @n - 1: slots[free_order[i]] is the i-th freed.
 * @n: allocations to make.
 *
 * Context: may sleep if @alloc's allocator may.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_batch(const struct memlab_bench_alloc *alloc, void **slots,
				 const u32 *free_order, unsigned long n);

/**
 * memlab_bench_touch() - @iters allocations, each written in full (memset of @alloc->size
 * bytes) and freed at once.
 * @alloc: what one allocation is: kmalloc, vmalloc or alloc_pages (through page_address(), the
 *	   block of 2^order pages being @alloc->size bytes).
 * @iters: allocations to make.
 *
 * Context: may sleep if @alloc's allocator may.
 * Return: the number of failed allocations, or ULONG_MAX for another @alloc->api.
 */
unsigned long memlab_bench_touch(const struct memlab_bench_alloc *alloc, unsigned long iters);

/**
 * memlab_bench_kmem_cache_bulk() - kmem_cache_alloc_bulk() of @n objects into @slots, then
 * kmem_cache_free_bulk() of them.
 * @cache: the cache.
 * @flags: GFP flags.
 * @slots: room for @n pointers.
 * @n: objects to allocate (kmem_cache_alloc_bulk() gives all or none).
 *
 * Context: may sleep if @flags allow it; interrupts enabled.
 * Return: the number of failed allocations (0 or @n).
 */
unsigned long memlab_bench_kmem_cache_bulk(struct kmem_cache *cache, gfp_t flags, void **slots,
					   unsigned long n);

/**
 * memlab_bench_pages_bulk() - alloc_pages_bulk() of @n single pages into @pages, then
 * __free_page() of each.
 * @flags: GFP flags.
 * @pages: room for @n entries, cleared first (alloc_pages_bulk() fills only NULL ones).
 * @n: pages to allocate (alloc_pages_bulk() may give fewer).
 *
 * Context: may sleep if @flags allow it.
 * Return: the number of pages not allocated.
 */
unsigned long memlab_bench_pages_bulk(gfp_t flags, struct page **pages, unsigned long n);

/**
 * memlab_bench_ioremap() - @iters ioremap(@start, @len) + iounmap() pairs; nothing is accessed.
 * @start: physical address of device memory the caller claimed.
 * @len: bytes to map.
 * @iters: pairs to make.
 *
 * Context: sleeps.
 * Return: the number of failed mappings.
 */
unsigned long memlab_bench_ioremap(phys_addr_t start, size_t len, unsigned long iters);

/**
 * memlab_bench_dma_coherent() - @iters dma_alloc_coherent(@dev, @size, @flags) +
 * dma_free_coherent() pairs.
 * @dev: a device bound to its driver, with its DMA masks set.
 * @size: bytes, 1 to PAGE_SIZE << MAX_PAGE_ORDER.
 * @flags: GFP flags (no zone modifier, no __GFP_COMP).
 * @iters: pairs to make.
 *
 * Context: may sleep if @flags allow it; interrupts enabled.
 * Return: the number of failed allocations.
 */
unsigned long memlab_bench_dma_coherent(struct device *dev, size_t size, gfp_t flags,
					unsigned long iters);

/* irqs_disabled(): whether interrupts are off on this CPU. */
bool memlab_irqs_disabled(void);

/**
 * memlab_cond_resched() - cond_resched(): let other tasks run between benchmark repeats.
 *
 * Context: process context, may sleep.
 */
void memlab_cond_resched(void);

/**
 * memlab_kthread_run_on() - Creates a kernel thread running @fn(@data), binds it to @cpu,
 * takes a reference of its task (for memlab_kthread_join()) and wakes it.
 * @fn: the thread's function; what it returns, memlab_kthread_join() returns.
 * @data: @fn's argument.
 * @cpu: an online CPU.
 *
 * Context: process context, may sleep.
 * Return: the task, or an ERR_PTR: -EINVAL for a CPU that is not online, or kthread_create()'s.
 */
struct task_struct *memlab_kthread_run_on(int (*fn)(void *), void *data, unsigned int cpu);
/**
 * memlab_kthread_join() - kthread_stop_put(): waits until the function of @task, a thread of
 * memlab_kthread_run_on(), has returned, and drops the reference.
 *
 * Context: process context, sleeps.
 * Return: what the function returned.
 */
int memlab_kthread_join(struct task_struct *task);

/* vm_unmap_aliases(): purges the lazily freed vmalloc areas now. Process context; sleeps. */
void memlab_purge_lazy_vmap_areas(void);

/**
 * memlab_context_switches() - How often the current task has been switched out, voluntarily
 * or not (its nvcsw + nivcsw): a timed loop during which this changed also timed other tasks.
 */
unsigned long memlab_context_switches(void);

/**
 * struct memlab_bench_host - What a benchmark's numbers depend on besides the code timed.
 * @kasan: CONFIG_KASAN (every access is checked).
 * @kmemleak: CONFIG_DEBUG_KMEMLEAK (every allocation is tracked).
 * @lockdep: CONFIG_LOCKDEP (every lock is validated).
 * @debug_vm: CONFIG_DEBUG_VM (VM_BUG_ON and friends are live).
 * @debug_atomic_sleep: CONFIG_DEBUG_ATOMIC_SLEEP (every might_sleep() checks).
 * @debug_pagealloc: debug_pagealloc enabled at boot (freed pages are unmapped).
 * @slub_tiny: CONFIG_SLUB_TINY (no per-CPU slab caches).
 * @slab_debug: slab debugging active at boot (slab_debug=, CONFIG_SLUB_DEBUG_ON), as a probe
 *	cache shows: red zones or poisoning shrink ksize() to the object's own size.
 * @init_on_alloc: allocations are zeroed (init_on_alloc=1, Debian's default).
 * @init_on_free: freed memory is zeroed (init_on_free=1).
 * @cpus: online CPUs.
 * @cpu_model: the boot CPU's model name ("" where the architecture has none).
 */
struct memlab_bench_host {
	bool kasan;
	bool kmemleak;
	bool lockdep;
	bool debug_vm;
	bool debug_atomic_sleep;
	bool debug_pagealloc;
	bool slub_tiny;
	bool slab_debug;
	bool init_on_alloc;
	bool init_on_free;
	unsigned int cpus;
	const char *cpu_model;
};

/**
 * memlab_bench_host() - Fills @host with the running kernel's answers.
 * @host: where to write them.
 *
 * Context: process context, may sleep (the slab probe creates and destroys a cache).
 * Return: 0, or -ENOMEM if the slab probe could not be made.
 */
int memlab_bench_host(struct memlab_bench_host *host);

#endif /* MEMLAB_SHIM_H */
