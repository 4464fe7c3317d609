# SPDX-License-Identifier: GPL-2.0
# Guest checks of the benchmarks (/sys/kernel/debug/memlab/bench/): a `quick` run completes,
# (on the debug kernel: a small run of the same APIs),
# its KTAP and CSV agree and are whole, every ratio is a finite number, and a bad spec or a
# second run at once is refused. No timing threshold: the numbers belong in the report.
# Sourced by tests/guest/suite and tests/guest/stock with memlab loaded.

bench=$MEMLAB_DEBUGFS/bench
. "$here/errno.sh"

# bench_refused ERRNO SPEC: writing SPEC to run fails with ERRNO.
bench_refused() {
	if msg=$(echo "$2" 2>&1 >"$bench/run"); then
		echo "'$2' was accepted"
		return 1
	fi
	case $msg in
	*"$(strerror "$1")"*) ;;
	*) echo "'$2': $msg, not $1"; return 1 ;;
	esac
}

# The debug kernel (KASAN, kmemleak, ...) is far too slow for `quick` within the time cap: there
# every case of `quick` runs a few pairs, under every debugging gate; elsewhere `quick` itself.
# Its debugging gates also make every run refused unless the spec says `gates=allow`.
if [ -e "$debugfs/kmemleak" ]; then
	debug_kernel=1
	bench_spec='quick iters=20 repeat=2 gates=allow'
	long_spec='api=vmalloc pattern=pairs size=4K iters=3000 repeat=3 gates=allow'
else
	debug_kernel=0
	bench_spec=quick
	long_spec='api=vmalloc pattern=pairs size=4K iters=20000 repeat=5'
fi

quick_run() {
	start=$(date +%s)
	echo "$bench_spec" >"$bench/run" || return 1
	echo "$(($(date +%s) - start))" >/tmp/bench.seconds
	cp "$bench/results" /tmp/bench.ktap && cp "$bench/results.csv" /tmp/bench.csv
}

# The plan, the results and the CSV rows all count the same records; none failed.
results_whole() {
	plan=$(sed -n 's/^1\.\.//p' /tmp/bench.ktap)
	oks=$(grep -c '^ok [0-9]* ' /tmp/bench.ktap)
	rows=$(($(wc -l </tmp/bench.csv) - 1))
	echo "plan $plan, ok $oks, csv rows $rows"
	[ "$(head -n 1 /tmp/bench.ktap)" = "KTAP version 1" ] && [ "$plan" -gt 0 ] &&
		[ "$oks" -eq "$plan" ] && [ "$rows" -eq "$plan" ] && ! grep -q '^not ok' /tmp/bench.ktap
}

# Every case has a ratio against C for each other variant it ran, each a finite decimal. Only
# a clock coarser than the case (not the TSC: the debug kernel's jiffies) may leave a C median
# of 0, and the report then says so instead of a ratio.
ratios_finite() {
	grep '^# ratios: ' /tmp/bench.ktap | head -n 3
	cases=$(grep -c '^# ratios: ' /tmp/bench.ktap)
	[ "$cases" -gt 0 ] || return 1
	if [ "$(cat "$MEMLAB_OUT/clocksource")" = tsc ]; then
		allowed='(rust|kernel)/c=[0-9]+\.[0-9]{3}'
	else
		allowed="(rust|kernel)/c=[0-9]+\\.[0-9]{3}|no ratio: c's median is 0"
	fi
	! grep '^# ratios: ' /tmp/bench.ktap | grep -v -E "$allowed"
}

# Every CSV row: 13 fields, numbers where numbers belong, a median between min and max.
csv_parses() {
	awk -F, 'NR == 1 { next }
		NF != 13 || $3 !~ /^[0-9]+$/ || $8 !~ /^[0-9]+$/ || $13 !~ /^[0-9]+$/ || $9 < $8 || $11 < $9 { print "bad row " NR ": " $0; bad = 1 }
		END { exit bad }' /tmp/bench.csv
}

# A long run in the background; once it has started (its case line is in the log), a second
# write is EBUSY.
busy_while_running() {
	started=$(dmesg | grep -c 'bench: case 1 of 1: vmalloc')
	echo "$long_spec" >"$bench/run" &
	writer=$!
	tries=0
	until [ "$(dmesg | grep -c 'bench: case 1 of 1: vmalloc')" -gt "$started" ]; do
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || { echo "the run never started"; return 1; }
		sleep 0.1
	done
	bench_refused EBUSY 'api=kmalloc size=64 iters=1 repeat=1'
	status=$?
	wait "$writer" || return 1
	return "$status"
}

check bench_quick_run_completes quick_run
note "bench '$bench_spec': $(cat /tmp/bench.seconds 2>/dev/null) s, $(grep -c '^# ratios: ' /tmp/bench.ktap 2>/dev/null) cases"
check bench_results_whole results_whole
check bench_ratios_finite ratios_finite
check bench_csv_parses csv_parses
check bench_dmesg_summary_lines sh -c "dmesg | grep -q 'memlab: bench: Summary: kmalloc pattern=pairs size=64 variant=c '"
# bench/apis lists every API a spec may name, one per line after its header, and the quick run
# ran each of them.
apis_listed() {
	apis=$(sed 1d "$bench/apis" | cut -d: -f1)
	echo "$apis" | tr '\n' ' '
	for api in $apis; do
		grep -q "^# ratios: $api pattern=" /tmp/bench.ktap || { echo "$api did not run"; return 1; }
	done
	[ "$(echo "$apis" | wc -l)" -ge 20 ]
}
check bench_apis_listed_and_run apis_listed
# Every pattern bench/apis names (after each API's last |) ran in the quick run, and only for
# an API that lists it.
patterns_run() {
	sed 1d "$bench/apis" | while IFS=: read -r api rest; do
		for pattern in ${rest##*|}; do
			echo "$pattern"
		done
	done | sort -u >/tmp/bench.patterns
	echo "patterns: $(tr '\n' ' ' </tmp/bench.patterns)"
	[ "$(wc -l </tmp/bench.patterns)" -ge 4 ] || return 1
	while read -r pattern; do
		grep -q "^# ratios: [a-z_0-9]* pattern=$pattern " /tmp/bench.ktap ||
			{ echo "no $pattern case ran"; return 1; }
	done </tmp/bench.patterns
	grep '^# ratios: ' /tmp/bench.ktap | while read -r _ _ api pattern _; do
		grep -qE "^$api:.*\|.* ${pattern#pattern=}( |\$)" "$bench/apis" ||
			{ echo "$api ran $pattern, which bench/apis does not list"; exit 1; }
	done
}
check bench_patterns_run patterns_run
check bench_bad_api_einval bench_refused EINVAL 'api=malloc'
check bench_bad_key_einval bench_refused EINVAL 'api=kmalloc color=red'
check bench_pattern_the_api_lacks_einval bench_refused EINVAL 'api=vmap pattern=batch'
# The device cases ran on edu (the VMs have it), and the kernel crate's coherent buffer with them.
check bench_device_cases_ran sh -c "grep -q '^ok [0-9]* ioremap_pairs_4096_rust$' /tmp/bench.ktap && grep -q '^ok [0-9]* dma_coherent_pairs_4096_kernel$' /tmp/bench.ktap"
check bench_pages_not_power_of_two_einval bench_refused EINVAL 'api=alloc_pages size=5000'
check bench_too_many_calls_e2big bench_refused E2BIG 'api=kmalloc iters=10000000 repeat=2'
check bench_busy_while_running busy_while_running

# Cases of several threads: with 2 CPUs or more, threads=2 runs the threaded APIs (kmalloc,
# kmem_cache, alloc_pages, vmalloc) on 2 pinned kernel threads, and only them; more threads than
# CPUs online is EINVAL. (Under icount the guest has one CPU: only the refusal is checked.)
cpus=$(grep -c '^processor' /proc/cpuinfo)
threads_run() {
	echo "api=kmalloc,kmem_cache,kzalloc pattern=pairs size=64 threads=1,2 iters=50 repeat=2 gates=allow" >"$bench/run" ||
		return 1
	for row in kmalloc,pairs,64,c,2, kmalloc,pairs,64,rust,2, kmem_cache,pairs,64,c,2, \
		kmem_cache,pairs,64,rust,2, kzalloc,pairs,64,c,1,; do
		grep -q "^$row" "$bench/results.csv" || { echo "no row $row..."; return 1; }
	done
	! grep -q '^kzalloc,pairs,64,[a-z]*,2,' "$bench/results.csv" &&
		grep -q '^ok [0-9]* kmem_cache_pairs_64_threads2_rust$' "$bench/results" &&
		grep -q '^# ratios: kmalloc pattern=pairs size=64 threads=2: rust/c=' "$bench/results"
}
if [ "$cpus" -ge 2 ]; then
	check bench_threads_run threads_run
fi
check bench_more_threads_than_cpus_einval bench_refused EINVAL "api=kmalloc threads=$((cpus + 1)) repeat=1 gates=allow"

# Without the edu device, a spec of device cases only is ENODEV, and another runs without them.
without_edu() {
	driver=/sys/bus/pci/drivers/memlab_edu
	device=$(ls "$driver" 2>/dev/null | grep -m1 '^0000:') || { echo "no edu device"; return 1; }
	echo "$device" >"$driver/unbind" || return 1
	bench_refused ENODEV "api=ioremap,dma_coherent iters=1 repeat=1 gates=allow"
	status=$?
	if [ "$status" = 0 ]; then
		echo "api=kmalloc,ioremap size=4K iters=1 repeat=1 gates=allow" >"$bench/run" &&
			grep -q '^# ratios: kmalloc pattern=pairs size=4096' "$bench/results" &&
			! grep -q '^# ratios: ioremap' "$bench/results" &&
			dmesg | grep -q 'bench: no edu device is bound: the ioremap and dma_coherent cases are skipped' ||
			status=1
	fi
	echo "$device" >"$driver/bind" || return 1
	return "$status"
}
check bench_without_edu_device without_edu

# The header names the gates that are on: all of the debug kernel's, none of Debian's. There, a
# spec without gates=allow is refused.
gates_named() {
	header=$(sed -n 2p /tmp/bench.ktap)
	echo "$header"
	if [ "$debug_kernel" = 1 ]; then
		# Rust on arm excludes KASAN: the arm debug kernel has the others.
		gates="kmemleak lockdep debug_vm debug_atomic_sleep slab_debug"
		[ "$machine" = armv7l ] || gates="kasan $gates"
		for gate in $gates; do
			case $header in *"gates="*"$gate"*) ;; *) echo "no $gate"; return 1 ;; esac
		done
	else
		case $header in *" gates=none "*) ;; *) return 1 ;; esac
	fi
}
check bench_header_names_the_gates gates_named
if [ "$debug_kernel" = 1 ]; then
	check bench_debug_gates_eopnotsupp bench_refused EOPNOTSUPP 'api=kmalloc size=64 iters=1 repeat=1'
fi
