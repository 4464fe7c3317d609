# SPDX-License-Identifier: GPL-2.0
# The lab under the kernel's own fault injection (failslab, fail_page_alloc), limited to the
# task that sends the commands (task-filter, /proc/self/make-it-fail: tests/guest/labbatch.c):
# at 10 % and at 100 %, every alloc, create and map either succeeds or fails with ENOMEM, and
# the ENOMEM column of `stats` grew, per API, by exactly what the commands answered. With only
# fail_page_alloc at 100 % (for allocations that may not sleep), a page-backed mempool still
# hands out its reserve, then ENOMEM.
# Every run ends with `free all`; the suite's kmemleak scans judge what is left. Sourced by
# tests/guest/suite with memlab loaded.

batch=./out/bin/$machine/labbatch

# faults PROBABILITY [KIND...]: fail KIND's allocations (default: both) of tasks marked
# make-it-fail with PROBABILITY percent; `faults 0` turns both off.
faults() {
	probability=$1
	shift
	for attr in ${*:-failslab fail_page_alloc}; do
		echo Y >"$debugfs/$attr/task-filter" &&
			echo 1 >"$debugfs/$attr/interval" &&
			echo -1 >"$debugfs/$attr/times" &&
			echo 0 >"$debugfs/$attr/space" &&
			echo "$probability" >"$debugfs/$attr/probability" || return 1
	done
}
faults_off() {
	for attr in failslab fail_page_alloc; do
		echo 0 >"$debugfs/$attr/probability" && echo N >"$debugfs/$attr/task-filter" || return 1
	done
}

# The stats row each command counts in.
api_of() {
	awk -F '\t' '{
		split($2, w, " ")
		if (w[1] == "alloc") {
			api = w[3]
			if (api ~ /^cache:/) api = "kmem_cache_alloc"
			else if (api ~ /^pool:/) api = "mempool_alloc"
			else if (api == "dma") api = "dma_alloc_coherent"
			else if (api == "pages" || api == "highpages") api = "alloc_pages"
			else if (api == "get_free_pages") api = "__get_free_pages"
			else if (api == "zeroed_page") api = "get_zeroed_page"
		} else if (w[1] == "cache") api = "kmem_cache_create"
		else if (w[1] == "pool") api = "mempool_create"
		else api = w[1]
		print $1 "\t" api
	}' "$1"
}

# ENOMEM per API: "API COUNT" lines, from stats (column 7) or from labbatch's answers.
stats_enomem() { awk '$1 != "api" { print $1, $7 }' "$MEMLAB_DEBUGFS/stats" | sort; }
answered_enomem() {
	api_of "$1" | awk -F '\t' '{ n[$2] += ($1 == "ENOMEM") } END { for (a in n) print a, n[a] }' | sort
}

# The commands of one run: objects of every kind that allocates, PREFIX-named. Not `cache
# create`: when kmem_cache_create fails for want of memory, the kernel prints a stack dump of its
# own (mm/slab_common.c; no flag asks it not to), which the log check rightly counts.
fault_commands() {
	i=1
	while [ $i -le "$2" ]; do
		k=1
		for command in "kmalloc 300" "kzalloc 5000" "kvmalloc 100K" "vmalloc 64K" "vzalloc 8K" \
			"vmalloc_32 8K" "pages 1" "highpages 1" "get_free_pages 0" "zeroed_page" "cache:fc" \
			"pool:fp gfp=GFP_ATOMIC" "dma 4K"; do
			echo "alloc $1${i}_$k $command"
			k=$((k + 1))
		done
		echo "pool create $1p$i 2 kmalloc:64"
		echo "vmap $1v$i fpg$i"
		i=$((i + 1))
	done
}

# fault_run PERCENT PREFIX: runs 15 rounds of fault_commands (15 objects each, 242 with what it
# needs first: the lab holds 256) with both injections at PERCENT; every answer must be ok or
# ENOMEM, and stats must count every ENOMEM under its API.
fault_run() {
	lab 'cache create fc 96' && lab 'pool create fp 2 kmalloc:128' || return 1
	i=1
	while [ $i -le 15 ]; do lab "alloc fpg$i pages 0" || return 1; i=$((i + 1)); done
	fault_commands "$2" 15 >/tmp/faults.cmd
	stats_enomem >/tmp/faults.before
	faults "$1" && "$batch" -f /tmp/faults.cmd >/tmp/faults.out
	status=$?
	faults_off || return 1
	[ "$status" -eq 0 ] || return 1
	stats_enomem >/tmp/faults.after
	answered_enomem /tmp/faults.out >/tmp/faults.answered
	ok=$(grep -c '^ok' /tmp/faults.out)
	enomem=$(grep -c '^ENOMEM' /tmp/faults.out)
	other=$(cut -f1 /tmp/faults.out | grep -Evc '^(ok|ENOMEM)$')
	note "faults at $1 %: $(wc -l </tmp/faults.out) commands: $ok ok, $enomem ENOMEM, $other other"
	grep -v '^ok' /tmp/faults.out | grep -v '^ENOMEM' | head -3
	[ "$other" -eq 0 ] || return 1
	# Per API: stats after - before == what the commands answered.
	while read -r api count; do
		before=$(awk -v a="$api" '$1 == a { print $2 }' /tmp/faults.before)
		after=$(awk -v a="$api" '$1 == a { print $2 }' /tmp/faults.after)
		[ "$((after - before))" -eq "$count" ] || {
			echo "$api: stats counted $((after - before)) ENOMEM, the commands saw $count"
			return 1
		}
	done </tmp/faults.answered
	lab 'free all' || return 1
	[ "$(wc -l <"$MEMLAB_DEBUGFS/objects")" -eq 1 ] || { echo "objects left"; return 1; }
	# Both outcomes must happen at 10 %; at 100 % nothing may succeed.
	case $1 in
	10) [ "$ok" -gt 0 ] && [ "$enomem" -gt 0 ] ;;
	100) [ "$ok" -eq 0 ] ;;
	esac
}

# A page pool's reserve outlives its allocator: with fail_page_alloc at 100 % (slab allocations
# fine, so the lab's own files can be made), 2 elements, then ENOMEM.
# Only the allocations that may not sleep fail (ignore-gfp-wait): the pool's, whose first try
# never reclaims, and pg's GFP_NOWAIT; not the lab's own bookkeeping (the dentry and inode of each
# object's data/ file, GFP_KERNEL), which would make the answers depend on what those slab caches
# happen to hold.
reserve_run() {
	lab 'pool create ppool 2 pages:0' || return 1
	printf 'alloc pe1 pool:ppool\nalloc pe2 pool:ppool\nalloc pe3 pool:ppool\nalloc pg pages 0 gfp=GFP_NOWAIT\n' \
		>/tmp/faults.cmd
	echo Y >"$debugfs/fail_page_alloc/ignore-gfp-wait" &&
		faults 100 fail_page_alloc && "$batch" -f /tmp/faults.cmd >/tmp/faults.out
	status=$?
	echo N >"$debugfs/fail_page_alloc/ignore-gfp-wait" || return 1
	faults_off || return 1
	cat /tmp/faults.out
	[ "$status" -eq 0 ] &&
		[ "$(cut -f1 /tmp/faults.out | tr '\n' ' ')" = "ok ok ENOMEM ENOMEM " ] &&
		lab 'free all'
}

if [ -d "$debugfs/failslab" ] && [ -d "$debugfs/fail_page_alloc" ]; then
	check lab_faults_tool_built test -x "$batch"
	check lab_faults_start_from_an_empty_lab lab 'free all'
	check lab_faults_at_10_percent fault_run 10 a
	check lab_faults_at_100_percent fault_run 100 b
	check lab_faults_pool_reserve_outlives_its_allocator reserve_run
	check lab_faults_off faults_off
else
	# Debian's kernel: no CONFIG_FAILSLAB, no CONFIG_FAIL_PAGE_ALLOC. The host allows this skip
	# only there (scripts/test).
	skip lab_faults "this kernel has no failslab or fail_page_alloc"
fi
