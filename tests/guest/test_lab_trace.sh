# SPDX-License-Identifier: GPL-2.0
# The kernel's own kmem tracepoints (tracefs) saw the calls memlab says it made: for objects of
# kmalloc, kzalloc, a kmem_cache, alloc_pages and __get_free_pages, the address (or pfn), size,
# order, cache name and GFP flags that `objects` shows are those of a trace event whose call
# site is in memlab, and freeing them shows in kfree, kmem_cache_free and mm_page_free events.
# Sourced by tests/guest/suite with memlab loaded.

tracing=/sys/kernel/tracing
trace_events="kmalloc kfree kmem_cache_alloc kmem_cache_free mm_page_alloc mm_page_free"

# hash-ptr off while the trace is read: events show real addresses, as `objects` does (a kernel
# booted without no_hash_pointers, as Debian's is, hashes them by default).
trace_on() {
	[ -d "$tracing/events" ] || mount -t tracefs nodev "$tracing" || return 1
	echo 0 >"$tracing/options/hash-ptr" || return 1
	for event in $trace_events; do
		echo 1 >"$tracing/events/kmem/$event/enable" || return 1
	done
	: >"$tracing/trace"
}
trace_off() {
	for event in $trace_events; do
		echo 0 >"$tracing/events/kmem/$event/enable" || return 1
	done
	cp "$tracing/trace" /tmp/lab.trace
	echo 1 >"$tracing/options/hash-ptr"
}

# The objects, then freed: their lines are kept in /tmp/lab.objects.
traced_objects() {
	lab 'free all' && trace_on || return 1
	for command in 'alloc tk kmalloc 100' 'alloc tz kzalloc 3000 gfp=GFP_ATOMIC' \
		'cache create tc 40' 'alloc to cache:tc' 'alloc tp pages 2' 'alloc tf get_free_pages 1'; do
		lab "$command" || { trace_off; return 1; }
	done
	cp "$MEMLAB_DEBUGFS/objects" /tmp/lab.objects
	lab 'free all'
	trace_off
}

# address NAME: the object's address as trace events print it (hex, no 0x, as many digits as a
# pointer has, as `objects` shows); pfn NAME: its first page frame (0x...).
ptr_digits=16
[ "$machine" != armv7l ] || ptr_digits=8
address() {
	awk -v n="$1" -v w="$ptr_digits" '$1 == n { print substr($5, length($5) - w + 1) }' /tmp/lab.objects
}
pfn() { awk -v n="$1" '$1 == n { split($6, run, "-"); print run[1] }' /tmp/lab.objects; }

# traced EVENT PATTERN: an EVENT line of the trace matches PATTERN (an ERE after "EVENT: ").
traced() {
	grep -Eq " $1: $2" /tmp/lab.trace || {
		echo "no '$1: $2' in the trace; $1 events:"
		grep " $1: " /tmp/lab.trace | tail -n 3
		return 1
	}
}

check lab_trace_objects_traced traced_objects
check lab_trace_kmalloc traced kmalloc "call_site=.*\\[memlab\\] ptr=$(address tk) bytes_req=100 bytes_alloc=[0-9]+ gfp_flags=GFP_KERNEL\\|__GFP_NOWARN "
check lab_trace_kzalloc traced kmalloc "call_site=.*\\[memlab\\] ptr=$(address tz) bytes_req=3000 bytes_alloc=[0-9]+ gfp_flags=GFP_ATOMIC\\|__GFP_ZERO\\|__GFP_NOWARN "
check lab_trace_kfree traced kfree "call_site=.*\\[memlab\\] ptr=$(address tk)$"
check lab_trace_kmem_cache_alloc traced kmem_cache_alloc "call_site=.*\\[memlab\\] ptr=$(address to) name=memlab_tc bytes_req=40 "
check lab_trace_kmem_cache_free traced kmem_cache_free "call_site=.*\\[memlab\\] ptr=$(address to) name=memlab_tc$"
check lab_trace_alloc_pages traced mm_page_alloc "page=[0-9a-f]+ pfn=$(pfn tp) order=2 migratetype=[0-9]+ gfp_flags=GFP_KERNEL\\|__GFP_NOWARN$"
check lab_trace_get_free_pages traced mm_page_alloc "page=[0-9a-f]+ pfn=$(pfn tf) order=1 migratetype=[0-9]+ gfp_flags=GFP_KERNEL\\|__GFP_NOWARN$"
check lab_trace_pages_freed sh -c "grep -Eq ' mm_page_free: page=[0-9a-f]+ pfn=$(pfn tp) order=2$' /tmp/lab.trace && grep -Eq ' mm_page_free: page=[0-9a-f]+ pfn=$(pfn tf) order=1$' /tmp/lab.trace"
