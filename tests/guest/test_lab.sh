# SPDX-License-Identifier: GPL-2.0
# Guest checks of the debugfs lab (/sys/kernel/debug/memlab/): every `help` example, data/
# round trips, aliases, caches and pools, the edu device (DMA, windows, unbind), every errno a
# command can answer, and that a refused command changes nothing. Sourced by tests/guest/suite
# with memlab loaded; test_lab_teardown.sh leaves objects of every kind for its rmmod.

ctl=$MEMLAB_DEBUGFS/control

# lab CMD: writes CMD to control in one write(2), as a user's `echo` does.
lab() { echo "$1" >"$ctl"; }

. "$here/errno.sh"
. "$here/info.sh"

# refused_bytes ERRNO FILE: writing FILE to control in one write(2) (dd with a block larger
# than any command) must fail with ERRNO; control must then say ERRNO and why; the objects must
# be as before and the counters may change only in the failure columns.
refused_bytes() {
	before=$(cat "$MEMLAB_DEBUGFS/objects")
	before_stats=$(cut -c1-70 "$MEMLAB_DEBUGFS/stats")
	if msg=$(dd if="$2" of="$ctl" bs=65536 2>&1); then
		echo "writing $(head -c 60 "$2") succeeded"
		return 1
	fi
	case $msg in
	*"$(strerror "$1")"*) ;;
	*) echo "$(head -c 60 "$2"): '$msg', expected $(strerror "$1")"; return 1 ;;
	esac
	grep -q "^$1: ." "$ctl" || { echo "control says '$(cat "$ctl")'"; return 1; }
	[ "$before" = "$(cat "$MEMLAB_DEBUGFS/objects")" ] || { echo "objects changed"; return 1; }
	[ "$before_stats" = "$(cut -c1-70 "$MEMLAB_DEBUGFS/stats")" ] || { echo "counters changed"; return 1; }
}

# refused ERRNO CMD: as refused_bytes, for the command text CMD.
refused() {
	printf '%s' "$2" >/tmp/lab.cmd
	refused_bytes "$1" /tmp/lab.cmd
}

# The help examples, in order (a line's example may be a few commands joined by '; '): each
# must succeed.
help_examples() {
	n=0
	while IFS= read -r line; do
		examples=${line##*e.g.: }
		[ "$examples" != "$line" ] || continue
		while :; do
			example=${examples%%; *}
			lab "$example" || { echo "help example '$example' failed: $(cat "$ctl")"; return 1; }
			n=$((n + 1))
			[ "$example" != "$examples" ] || break
			examples=${examples#*; }
		done
	done <"$MEMLAB_DEBUGFS/help"
	echo "$n examples"
	[ "$n" -ge 5 ] && grep -qx ok "$ctl"
}

# The mode of a file, e.g. 600.
mode() { stat -c %a "$1"; }

check lab_directories_are_root_only sh -c "[ \$(stat -c %a '$MEMLAB_DEBUGFS') = 700 ] && [ \$(stat -c %a '$MEMLAB_DEBUGFS/data') = 700 ]"
check lab_files_are_root_only sh -c "[ \$(stat -c %a '$ctl') = 600 ] && [ \$(stat -c %a '$MEMLAB_DEBUGFS/help') = 400 ] && [ \$(stat -c %a '$MEMLAB_DEBUGFS/objects') = 400 ] && [ \$(stat -c %a '$MEMLAB_DEBUGFS/stats') = 400 ]"
check lab_control_before_any_command grep -qx 'no command yet (see help)' "$ctl"
check lab_help_examples_all_work help_examples
check lab_free_all lab 'free all'
check lab_objects_empty_after_free_all sh -c "[ \$(wc -l <'$MEMLAB_DEBUGFS/objects') -eq 1 ]"

# Objects of every allocator, read back through data/.
check lab_alloc_kmalloc lab 'alloc km kmalloc 100'
check lab_kmalloc_real_size_is_the_bucket grep -Eq '^km +kmalloc +100 +128 ' "$MEMLAB_DEBUGFS/objects"
check lab_data_file_size_reads_whole sh -c "[ \$(cat '$MEMLAB_DEBUGFS/data/km' | wc -c) -eq 100 ]"
check lab_alloc_kzalloc_reads_zero sh -c "echo 'alloc kz kzalloc 3000' >'$ctl' && cmp -n 3000 /dev/zero '$MEMLAB_DEBUGFS/data/kz'"
check lab_alloc_vzalloc_reads_zero sh -c "echo 'alloc vz vzalloc 1M' >'$ctl' && cmp -n 1048576 /dev/zero '$MEMLAB_DEBUGFS/data/vz'"
check lab_alloc_vmalloc lab 'alloc vm vmalloc 256K gfp=GFP_KERNEL'
check lab_alloc_kvmalloc lab 'alloc kv kvmalloc 5M'
check lab_alloc_vmalloc_32 lab 'alloc v32 vmalloc_32 64K'
if [ "$machine" = armv7l ]; then
	# A 32-bit kernel has no ZONE_DMA32 and the arm VM no RAM above 4 GiB: vmalloc_32 is plain
	# vmalloc there, whose pages come from HighMem first (vmalloc adds __GFP_HIGHMEM).
	check lab_vmalloc_pages_are_highmem sh -c "grep -E '^vm ' '$MEMLAB_DEBUGFS/objects' | grep -q ' HighMem '"
else
	check lab_vmalloc_32_is_below_4g sh -c "grep -E '^v32 ' '$MEMLAB_DEBUGFS/objects' | grep -Eq ' (DMA|DMA32|DMA,DMA32) GFP'"
fi
check lab_alloc_pages lab 'alloc pg pages 3'
check lab_pages_are_one_run sh -c "grep -E '^pg +alloc_pages +32768 +32768 ' '$MEMLAB_DEBUGFS/objects'"
check lab_alloc_get_free_pages lab 'alloc fp get_free_pages 1 gfp=GFP_KERNEL|GFP_DMA32'
if [ "$machine" = armv7l ]; then
	# No ZONE_DMA32 (GFP_DMA32 is no modifier there); __get_free_pages never gives highmem.
	check lab_get_free_pages_lowmem sh -c "grep -E '^fp ' '$MEMLAB_DEBUGFS/objects' | grep -Eq ' Normal GFP_KERNEL[|]GFP_DMA32[|]'"
else
	check lab_get_free_pages_dma32 sh -c "grep -E '^fp ' '$MEMLAB_DEBUGFS/objects' | grep -Eq ' (DMA|DMA32) GFP_KERNEL[|]GFP_DMA32[|]'"
fi
check lab_alloc_zeroed_page_reads_zero sh -c "echo 'alloc zp zeroed_page' >'$ctl' && cmp -n 4096 /dev/zero '$MEMLAB_DEBUGFS/data/zp'"
check lab_alloc_logged sh -c "dmesg | grep -Eq 'memlab: alloc km: kmalloc\(100, GFP_KERNEL\|__GFP_NOWARN\) = 0x[0-9a-f]+, real size 128'"

# Bytes in and out of data/: dd and cmp, at offsets.
check lab_dd_round_trip_pages sh -c "dd if=/dev/urandom of=/tmp/lab.bin bs=4096 count=8 2>/dev/null && dd if=/tmp/lab.bin of='$MEMLAB_DEBUGFS/data/pg' bs=4096 2>/dev/null && cmp /tmp/lab.bin '$MEMLAB_DEBUGFS/data/pg'"
check lab_dd_at_an_offset sh -c "printf 'memlab' | dd of='$MEMLAB_DEBUGFS/data/vm' bs=1 seek=100000 conv=notrunc 2>/dev/null && [ \$(dd if='$MEMLAB_DEBUGFS/data/vm' bs=1 skip=100000 count=6 2>/dev/null) = memlab ]"
check lab_write_past_the_end_is_enospc sh -c "! printf x | dd of='$MEMLAB_DEBUGFS/data/km' bs=1 seek=100 conv=notrunc 2>/tmp/lab.err && grep -q 'No space left' /tmp/lab.err"
check lab_fill_and_check lab 'fill vm pattern 42'
check lab_check_pattern lab 'check vm pattern 42'
check lab_check_mismatch_is_ebadmsg refused EBADMSG 'check vm pattern 43'
check lab_check_mismatch_logged sh -c "dmesg | grep -q \"memlab: control: 'check vm pattern 43': EBADMSG: vm: byte 0 is\""
check lab_realloc_keeps_bytes sh -c "echo 'fill km 0x33' >'$ctl' && echo 'realloc km 6000' >'$ctl' && [ -z \"\$(dd if='$MEMLAB_DEBUGFS/data/km' bs=100 count=1 2>/dev/null | od -An -v -tx1 | tr -d ' 3\n')\" ]"
check lab_realloc_grows_with_zeroes sh -c "dd if='$MEMLAB_DEBUGFS/data/km' bs=1 skip=100 count=5900 2>/dev/null | cmp -n 5900 /dev/zero -"

# Every errno, and nothing changes on a refusal.
check lab_unknown_command_einval refused EINVAL 'allocate x kmalloc 1'
check lab_empty_command_einval refused EINVAL '
'
check lab_trailing_garbage_einval refused EINVAL 'alloc x kmalloc 1 please'
check lab_trailing_word_einval refused EINVAL 'fill nothing 0 please'
check lab_negative_size_einval refused EINVAL 'alloc x kmalloc -1'
check lab_zero_size_einval refused EINVAL 'alloc x kmalloc 0'
check lab_bad_name_einval refused EINVAL 'alloc x/y kmalloc 1'
check lab_unknown_flag_einval refused EINVAL 'alloc x kmalloc 1 gfp=GFP_FOO'
check lab_refused_flag_einval refused EINVAL 'alloc x vmalloc 4K gfp=GFP_DMA32'
check lab_nofail_einval refused EINVAL 'alloc x kmalloc 1 gfp=GFP_KERNEL|__GFP_NOFAIL'
check lab_two_lines_einval refused EINVAL "$(printf 'alloc x kmalloc 1\nfree x')"
check lab_nul_command_written sh -c "printf 'alloc x\\000 kmalloc 1' >/tmp/lab.nul"
check lab_nul_byte_einval_refused refused_bytes EINVAL /tmp/lab.nul
check lab_non_utf8_command_written sh -c "printf 'alloc \\377 kmalloc 1' >/tmp/lab.bin8"
check lab_not_utf8_einval_refused refused_bytes EINVAL /tmp/lab.bin8
check lab_realloc_of_pages_einval refused EINVAL 'realloc pg 100'
check lab_missing_name_enoent refused ENOENT 'free nothing'
check lab_missing_check_enoent refused ENOENT 'check nothing 0'
check lab_duplicate_name_eexist refused EEXIST 'alloc km kzalloc 8'
check lab_over_kmalloc_max_e2big refused E2BIG 'alloc x kmalloc 5M'
check lab_order_e2big refused E2BIG 'alloc x pages 11'
check lab_huge_number_e2big refused E2BIG 'alloc x vmalloc 99999999999999999999'
check lab_suffix_overflow_e2big refused E2BIG 'alloc x vmalloc 17179869184G'
check lab_over_budget_e2big refused E2BIG 'alloc x vmalloc 2047M'
check lab_command_longer_than_a_page_e2big refused E2BIG "alloc x kmalloc 1 $(head -c 5000 /dev/zero | tr '\0' x)"
check lab_refusals_logged sh -c "dmesg | grep -q \"memlab: control: 'alloc x kmalloc 5M': E2BIG: kmalloc: 5242880 bytes; at most 4194304\""

check lab_stats_count_refusals sh -c "grep -Eq '^kmalloc +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[1-9]' '$MEMLAB_DEBUGFS/stats'"
check lab_info_has_limits sh -c "grep -q '^max_bytes: [1-9]' '$MEMLAB_DEBUGFS/info' && grep -q '^max_objects: 256$' '$MEMLAB_DEBUGFS/info' && grep -q '^live_objects: [1-9]' '$MEMLAB_DEBUGFS/info'"
check lab_free_one lab 'free kz'
check lab_freed_data_file_gone test ! -e "$MEMLAB_DEBUGFS/data/kz"

# Caches and pools: objects name their parent; nothing in use can be destroyed.
check lab_cache_create lab 'cache create c1 100 flags=POISON|RED_ZONE|STORE_USER'
check lab_cache_line sh -c "grep -Eq '^c1 +kmem_cache_create +100 +100 +0x[0-9a-f]+ - - POISON[|]RED_ZONE[|]STORE_USER -$' '$MEMLAB_DEBUGFS/objects'"
check lab_cache_create_logged sh -c "dmesg | grep -Eq 'memlab: cache create c1: kmem_cache_create\(memlab_c1, 100, align 0, POISON\|RED_ZONE\|STORE_USER\) = 0x[0-9a-f]+'"
check lab_cache_has_no_data_file test ! -e "$MEMLAB_DEBUGFS/data/c1"
check lab_alloc_from_cache_reads_zero sh -c "echo 'alloc s1 cache:c1' >'$ctl' && cmp -n 100 /dev/zero '$MEMLAB_DEBUGFS/data/s1'"
check lab_slab_object_names_its_cache sh -c "grep -Eq '^s1 +kmem_cache_alloc +100 +100 +0x[0-9a-f]+ 0x[0-9a-f]+-0x[0-9a-f]+ [A-Za-z0-9]+ GFP_KERNEL[|]__GFP_NOWARN c1$' '$MEMLAB_DEBUGFS/objects'"
check lab_slab_object_round_trip sh -c "head -c 100 /dev/urandom >/tmp/lab.s1 && dd if=/tmp/lab.s1 of='$MEMLAB_DEBUGFS/data/s1' bs=100 2>/dev/null && cmp /tmp/lab.s1 '$MEMLAB_DEBUGFS/data/s1'"
check lab_fill_and_check_slab_object sh -c "echo 'fill s1 0x77' >'$ctl' && echo 'check s1 0x77' >'$ctl'"
check lab_cache_in_use_ebusy refused EBUSY 'cache destroy c1'
check lab_free_of_a_cache_einval refused EINVAL 'free c1'
check lab_fill_of_a_cache_einval refused EINVAL 'fill c1 0'
check lab_pool_destroy_of_a_cache_einval refused EINVAL 'pool destroy c1'
check lab_cache_destroy_of_an_object_einval refused EINVAL 'cache destroy s1'
check lab_cache_zero_size_einval refused EINVAL 'cache create c2 0'
check lab_cache_too_big_e2big refused E2BIG 'cache create c2 3M'
check lab_cache_odd_align_einval refused EINVAL 'cache create c2 64 align=24'
check lab_cache_unknown_flag_einval refused EINVAL 'cache create c2 64 flags=POISON|BOGUS'
check lab_cache_name_taken_eexist refused EEXIST 'cache create km 64'
check lab_cache_with_a_constructor lab 'cache create cc 64 ctor=0xa7'
check lab_constructor_line sh -c "grep -Eq '^cc +kmem_cache_create +64 +64 +0x[0-9a-f]+ - - 0,ctor=0xa7 -$' '$MEMLAB_DEBUGFS/objects'"
check lab_constructed_object sh -c "echo 'alloc co cache:cc' >'$ctl' && echo 'check co 0xa7' >'$ctl'"
check lab_constructed_zeroed_einval refused EINVAL 'alloc co2 cache:cc gfp=GFP_KERNEL|__GFP_ZERO'
check lab_pool_over_a_constructed_cache_einval refused EINVAL 'pool create pc 1 slab:cc'
check lab_constructed_cache_gone sh -c "echo 'free co' >'$ctl' && echo 'cache destroy cc' >'$ctl'"
check lab_pool_create_over_a_cache lab 'pool create p1 2 slab:c1'
check lab_pool_line sh -c "grep -Eq '^p1 +mempool_create +200 +200 +0x[0-9a-f]+ - - min_nr=2 c1$' '$MEMLAB_DEBUGFS/objects'"
check lab_free_slab_object lab 'free s1'
check lab_cache_used_by_a_pool_ebusy refused EBUSY 'cache destroy c1'
check lab_alloc_from_pool_reads_zero sh -c "echo 'alloc e1 pool:p1' >'$ctl' && cmp -n 100 /dev/zero '$MEMLAB_DEBUGFS/data/e1'"
check lab_pool_element_names_its_pool sh -c "grep -Eq '^e1 +mempool_alloc +100 +100 .* GFP_NOWAIT([|]__GFP_NOWARN)? p1$' '$MEMLAB_DEBUGFS/objects'"
check lab_pool_sleeping_gfp_einval refused EINVAL 'alloc e2 pool:p1 gfp=GFP_KERNEL'
check lab_pool_missing_enoent refused ENOENT 'alloc e2 pool:nothing'
check lab_pool_that_is_a_cache_einval refused EINVAL 'alloc e2 pool:c1'
check lab_cache_that_is_a_pool_einval refused EINVAL 'alloc e2 cache:p1'
check lab_pool_in_use_ebusy refused EBUSY 'pool destroy p1'
check lab_pool_min_nr_zero_einval refused EINVAL 'pool create p2 0 kmalloc:64'
# Above MAX_MIN_NR everywhere (KMALLOC_MAX_SIZE / pointer size: 0x80000 on x86_64, 0x100000 on arm).
check lab_pool_min_nr_e2big refused E2BIG 'pool create p2 0x200000 kmalloc:64'
check lab_pool_element_e2big refused E2BIG 'pool create p2 1 kmalloc:5M'
check lab_pool_order_e2big refused E2BIG 'pool create p2 1 pages:11'
check lab_pool_reserve_e2big refused E2BIG 'pool create p2 4096 pages:10'
check lab_pool_of_missing_cache_enoent refused ENOENT 'pool create p2 1 slab:nothing'
check lab_pool_element_free_then_destroy sh -c "echo 'free e1' >'$ctl' && echo 'pool destroy p1' >'$ctl' && echo 'cache destroy c1' >'$ctl'"
check lab_destroys_logged sh -c "dmesg | grep -q 'memlab: pool destroy p1: mempool_destroy(0x' && dmesg | grep -q 'memlab: cache destroy c1: kmem_cache_destroy(memlab_c1) at 0x'"
check lab_cache_name_free_again sh -c "echo 'cache create c1 8' >'$ctl' && echo 'cache destroy c1' >'$ctl'"
check lab_page_pool sh -c "echo 'pool create pp 1 pages:1' >'$ctl' && echo 'alloc pe pool:pp gfp=GFP_ATOMIC' >'$ctl' && echo 'fill pe pattern 5' >'$ctl' && echo 'check pe pattern 5' >'$ctl'"
check lab_page_pool_element_is_a_block sh -c "grep -Eq '^pe +mempool_alloc +8192 +8192 ' '$MEMLAB_DEBUGFS/objects'"
check lab_stats_count_caches_and_pools sh -c "grep -Eq '^kmem_cache_create +[3-9] +[2-9] +' '$MEMLAB_DEBUGFS/stats' && grep -Eq '^mempool_alloc +2 +1 +1 +8192 ' '$MEMLAB_DEBUGFS/stats'"

# Aliases: a vmap or kmap takes the blocks of alloc_pages objects; the bytes are shared both ways
# (the help examples made two vmaps before these).
data=$MEMLAB_DEBUGFS/data
check lab_alias_pages sh -c "echo 'alloc ap1 pages 1' >'$ctl' && echo 'alloc ap2 pages 0' >'$ctl' && echo 'fill ap1 0x11' >'$ctl' && echo 'fill ap2 0x22' >'$ctl'"
check lab_vmap lab 'vmap av ap1 ap2'
check lab_vmap_line sh -c "grep -Eq '^av +vmap +12288 +12288 +0x[0-9a-f]+ 0x[0-9a-f]+-0x[0-9a-f]+(,0x[0-9a-f]+-0x[0-9a-f]+)? [A-Za-z0-9,]+ - ap1,ap2$' '$MEMLAB_DEBUGFS/objects'"
check lab_vmap_logged sh -c "dmesg | grep -Eq 'memlab: vmap av: vmap\(3 pages, PAGE_KERNEL\) = 0x[0-9a-f]+, 12288 bytes'"
check lab_vmap_shows_the_pages_bytes sh -c "echo 'check ap1 0x11' >'$ctl' && dd if='$data/av' bs=4096 count=2 2>/dev/null | cmp - '$data/ap1' && dd if='$data/av' bs=4096 skip=2 2>/dev/null | cmp - '$data/ap2'"
check lab_write_through_vmap_read_through_pages sh -c "echo 'fill av pattern 9' >'$ctl' && echo 'check ap1 pattern 9' >'$ctl' && dd if='$data/av' bs=4096 skip=2 2>/dev/null | cmp - '$data/ap2'"
check lab_write_through_pages_read_through_vmap sh -c "head -c 4096 /dev/urandom >/tmp/lab.ap2 && dd if=/tmp/lab.ap2 of='$data/ap2' bs=4096 2>/dev/null && dd if='$data/av' bs=4096 skip=2 2>/dev/null | cmp - /tmp/lab.ap2"
check lab_lent_pages_free_ebusy refused EBUSY 'free ap1'
check lab_lent_pages_second_vmap_ebusy refused EBUSY 'vmap av2 ap1'
check lab_lent_pages_kmap_ebusy refused EBUSY 'kmap ak2 ap2'
check lab_kmap_local_through_the_alias lab 'kmap_local ap1 1'
check lab_kmap_local_logged sh -c "dmesg | grep -Eq 'memlab: kmap_local ap1 1: kmap_local_page\(pfn 0x[0-9a-f]+, [A-Za-z0-9]+\) = 0x[0-9a-f]+ in the direct map, then kunmap_local'"
check lab_kmap_local_missing_page_einval refused EINVAL 'kmap_local ap1 2'
check lab_vmap_of_kmalloc_einval refused EINVAL 'vmap av2 km'
check lab_vmap_of_missing_enoent refused ENOENT 'vmap av2 nothing'
check lab_vmap_name_taken_eexist refused EEXIST 'vmap av ap1'
check lab_vmap_twice_the_same_einval refused EINVAL 'vmap av2 pg pg'
check lab_free_alias_keeps_the_pages sh -c "cat '$data/av' >/tmp/lab.av && echo 'free av' >'$ctl' && dd if=/tmp/lab.av bs=4096 count=2 2>/dev/null | cmp - '$data/ap1' && dd if=/tmp/lab.av bs=4096 skip=2 2>/dev/null | cmp - '$data/ap2'"
check lab_free_alias_logged sh -c "dmesg | grep -Eq 'memlab: free av: vunmap\(0x[0-9a-f]+\); its pages stay'"
check lab_pages_free_again lab 'free ap1'
check lab_kmap lab 'kmap ak ap2 0'
check lab_kmap_line sh -c "grep -Eq '^ak +kmap +4096 +4096 +0x[0-9a-f]+ 0x[0-9a-f]+-0x[0-9a-f]+ [A-Za-z0-9]+ - ap2\[0\]$' '$MEMLAB_DEBUGFS/objects'"
check lab_write_through_kmap_read_through_pages sh -c "head -c 4096 /dev/urandom >/tmp/lab.ak && dd if=/tmp/lab.ak of='$data/ak' bs=4096 2>/dev/null && cmp /tmp/lab.ak '$data/ap2'"
check lab_kmap_missing_page_einval refused EINVAL 'kmap ak3 pg 8'
check lab_stats_count_aliases sh -c "grep -Eq '^vmap +3 +3 +0 ' '$MEMLAB_DEBUGFS/stats' && grep -Eq '^kmap +[1-9]' '$MEMLAB_DEBUGFS/stats' && grep -Eq '^kmap_local_page +[1-9]' '$MEMLAB_DEBUGFS/stats'"

# Highmem pages (`alloc NAME highpages`): on the arm kernel they lie in HighMem with no kernel
# address, and get one only from a mapping; elsewhere __GFP_HIGHMEM changes nothing and they are
# direct-mapped. data/ reaches them through a vmap made for each access.
check lab_highpages lab 'alloc hp highpages 1 gfp=GFP_KERNEL'
hp_flags='GFP_KERNEL[|]__GFP_ZERO[|]__GFP_NOWARN[|]__GFP_HIGHMEM'
if [ "$machine" = armv7l ]; then
	check lab_highpages_have_no_address sh -c "grep -Eq '^hp +alloc_pages +8192 +8192 +- +0x[0-9a-f]+-0x[0-9a-f]+ HighMem $hp_flags -$' '$MEMLAB_DEBUGFS/objects'"
	check lab_highpages_logged_without_address sh -c "dmesg | grep -Eq 'memlab: alloc hp: alloc_pages\($hp_flags, order 1\) = pfn 0x[0-9a-f]+ in HighMem, no kernel address, 8192 bytes'"
	hp_zone=HighMem hp_where='a kmap_local slot'
else
	check lab_highpages_are_direct_mapped sh -c "grep -Eq '^hp +alloc_pages +8192 +8192 +0x[0-9a-f]+ +0x[0-9a-f]+-0x[0-9a-f]+ (DMA|DMA32|Normal) $hp_flags -$' '$MEMLAB_DEBUGFS/objects'"
	hp_zone='(DMA|DMA32|Normal)' hp_where='the direct map'
fi
check lab_highpages_zone_flag_einval refused EINVAL 'alloc x highpages 0 gfp=GFP_KERNEL|GFP_DMA32'
check lab_highpages_highmem_flag_einval refused EINVAL 'alloc x highpages 0 gfp=GFP_KERNEL|__GFP_HIGHMEM'
check lab_highpages_read_zero cmp -n 8192 /dev/zero "$data/hp"
check lab_highpages_dd_round_trip sh -c "head -c 8192 /dev/urandom >/tmp/lab.hp && dd if=/tmp/lab.hp of='$data/hp' bs=8192 2>/dev/null && cmp /tmp/lab.hp '$data/hp'"
check lab_highpages_kmap_local lab 'kmap_local hp 1'
check lab_highpages_kmap_local_logged sh -c "dmesg | grep -Eq 'memlab: kmap_local hp 1: kmap_local_page\(pfn 0x[0-9a-f]+, $hp_zone\) = 0x[0-9a-f]+ in $hp_where, then kunmap_local'"
check lab_highpages_kmap lab 'kmap hk hp 1'
check lab_highpages_kmap_line sh -c "grep -Eq '^hk +kmap +4096 +4096 +0x[0-9a-f]+ 0x[0-9a-f]+-0x[0-9a-f]+ $hp_zone - hp\[1\]$' '$MEMLAB_DEBUGFS/objects'"
check lab_highpages_lent_line sh -c "grep -Eq '^hp +alloc_pages .* lent:hk$' '$MEMLAB_DEBUGFS/objects'"
if [ "$machine" = armv7l ]; then
	# Where the mappings are: kmap in the pkmap area, kmap_local in a fixmap slot.
	check lab_highpages_kmap_in_kmap_area in_area kmap_area "$(awk '$1 == "hk" { print $5 }' "$MEMLAB_DEBUGFS/objects")"
	check lab_highpages_kmap_local_in_its_area in_area kmap_local_area "$(dmesg | sed -n 's/.*memlab: kmap_local hp 1: kmap_local_page(pfn 0x[0-9a-f]*, HighMem) = \(0x[0-9a-f]*\) in .*/\1/p' | tail -n 1)"
fi
check lab_write_through_kmap_read_through_highpages sh -c "head -c 4096 /dev/urandom >/tmp/lab.hk && dd if=/tmp/lab.hk of='$data/hk' bs=4096 2>/dev/null && dd if='$data/hp' bs=4096 skip=1 2>/dev/null | cmp - /tmp/lab.hk"
check lab_highpages_lent_free_ebusy refused EBUSY 'free hp'
check lab_highpages_vmap_beside_lowmem sh -c "echo 'free hk' >'$ctl' && echo 'alloc hl pages 0' >'$ctl' && echo 'vmap hv hp hl' >'$ctl'"
check lab_highpages_vmap_line sh -c "grep -Eq '^hv +vmap +12288 +12288 +0x[0-9a-f]+ 0x[0-9a-f]+-0x[0-9a-f]+,0x[0-9a-f]+-0x[0-9a-f]+ [A-Za-z0-9,]+ - hp,hl$' '$MEMLAB_DEBUGFS/objects'"
check lab_write_through_vmap_read_through_highpages sh -c "echo 'fill hv pattern 12' >'$ctl' && dd if='$data/hv' bs=4096 count=2 2>/dev/null | cmp - '$data/hp' && dd if='$data/hv' bs=4096 skip=2 2>/dev/null | cmp - '$data/hl'"
check lab_highpages_freed sh -c "echo 'free hv' >'$ctl' && echo 'check hp pattern 12' >'$ctl' && echo 'free hp' >'$ctl' && echo 'free hl' >'$ctl' && ! grep -Eq '^h[pklv] ' '$MEMLAB_DEBUGFS/objects'"

# The edu device: DMA buffers and BAR windows are kept by the device, revoked when it is unbound.
# word32 FILE OFFSET: the 32-bit register at OFFSET of an ioremap window, in hex.
word32() { dd if="$1" bs=4 skip=$(($2 / 4)) count=1 2>/dev/null | od -An -tx4 | tr -d ' '; }
identification_reads() { [ "$(word32 "$data/r1" 0)" = 010000ed ]; }
liveness_round_trip() {
	printf '\001\000\000\000' | dd of="$data/r1" bs=4 seek=1 conv=notrunc 2>/dev/null &&
		[ "$(word32 "$data/r1" 4)" = fffffffe ]
}
window_sees_liveness() { [ "$(word32 "$data/r2" 0)" = fffffffe ] && [ "$(wc -c <"$data/r2")" -eq 8 ]; }
check lab_alloc_dma_reads_zero sh -c "echo 'alloc d1 dma 8K' >'$ctl' && cmp -n 8192 /dev/zero '$data/d1'"
check lab_dma_line sh -c "grep -Eq '^d1 +dma_alloc_coherent +8192 +8192 +0x[0-9a-f]+ bus:0x[0-9a-f]+ - GFP_KERNEL[|]__GFP_NOWARN edu$' '$MEMLAB_DEBUGFS/objects'"
check lab_dma_logged sh -c "dmesg | grep -Eq 'memlab: alloc d1: dma_alloc_coherent\(edu, 8192, GFP_KERNEL\|__GFP_NOWARN\) = 0x[0-9a-f]+, dma handle 0x[0-9a-f]+'"
check lab_dma_round_trip sh -c "echo 'fill d1 pattern 77' >'$ctl' && echo 'dma d1 to-device' >'$ctl' && echo 'alloc d2 dma 4K' >'$ctl' && echo 'dma d2 from-device' >'$ctl' && echo 'check d2 pattern 77' >'$ctl'"
check lab_dma_at_an_offset sh -c "echo 'dma d1 to-device 4K' >'$ctl' && echo 'dma d2 from-device' >'$ctl' && dd if='$data/d1' bs=4096 skip=1 2>/dev/null | cmp - '$data/d2'"
check lab_dma_transfer_logged sh -c "dmesg | grep -Eq 'memlab: dma d2 from-device: edu.s engine copied 4096 bytes to bus 0x[0-9a-f]+'"
check lab_dma_offset_outside_einval refused EINVAL 'dma d1 to-device 8K'
check lab_dma_longer_than_the_device_einval refused EINVAL 'dma d1 to-device 0 4097'
check lab_dma_of_kmalloc_einval refused EINVAL 'dma km to-device'
check lab_dma_too_big_e2big refused E2BIG 'alloc dx dma 5M'
check lab_dma_zone_flag_einval refused EINVAL 'alloc dx dma 4K gfp=GFP_KERNEL|GFP_DMA32'
check lab_ioremap lab 'ioremap r1 edu'
check lab_ioremap_line sh -c "grep -Eq '^r1 +ioremap +1048576 +1048576 +0x[0-9a-f]+ 0x[0-9a-f]+-0x[0-9a-f]+ mmio - edu$' '$MEMLAB_DEBUGFS/objects'"
check lab_ioremap_reads_identification identification_reads
check lab_ioremap_liveness_round_trip liveness_round_trip
check lab_ioremap_dma_register_eperm sh -c "! printf '\001\000\000\000' | dd of='$data/r1' bs=4 seek=38 conv=notrunc 2>/tmp/lab.err && grep -q 'Operation not permitted' /tmp/lab.err"
check lab_ioremap_misaligned_write_einval sh -c "! printf '\001\000\000\000' | dd of='$data/r1' bs=1 seek=2 conv=notrunc 2>/tmp/lab.err && grep -q 'Invalid argument' /tmp/lab.err"
check lab_ioremap_a_window lab 'ioremap r2 edu 4 8'
check lab_ioremap_window_sees_the_same_register window_sees_liveness
check lab_ioremap_an_address_einval refused EINVAL 'ioremap r3 0xfea00000'
check lab_ioremap_outside_the_bar_einval refused EINVAL 'ioremap r3 edu 0x100000'
check lab_ioremap_odd_length_einval refused EINVAL 'ioremap r3 edu 0 6'
check lab_unbind_with_dma_and_windows_alive sh -c "echo '$edu_device' >'$edu_driver/unbind'"
check lab_revoked_check_enodev refused ENODEV 'check d1 pattern 77'
check lab_revoked_transfer_enodev refused ENODEV 'dma d1 to-device'
check lab_revoked_dma_data_enodev sh -c "! cat '$data/d1' >/dev/null 2>/tmp/lab.err && grep -q 'No such device' /tmp/lab.err"
check lab_revoked_window_data_enodev sh -c "! cat '$data/r1' >/dev/null 2>/tmp/lab.err && grep -q 'No such device' /tmp/lab.err"
check lab_alloc_dma_without_device_enodev refused ENODEV 'alloc d3 dma 4K'
check lab_free_revoked_objects sh -c "echo 'free d2' >'$ctl' && echo 'free r2' >'$ctl'"
check lab_rebind sh -c "echo '$edu_device' >'$edu_driver/bind'"
check lab_old_ticket_stays_revoked refused ENODEV 'check d1 pattern 77'
check lab_dma_after_rebind sh -c "echo 'alloc d3 dma 4K' >'$ctl' && echo 'fill d3 0x3c' >'$ctl' && echo 'dma d3 to-device' >'$ctl' && echo 'fill d3 0' >'$ctl' && echo 'dma d3 from-device' >'$ctl' && echo 'check d3 0x3c' >'$ctl'"
check lab_stats_count_the_device sh -c "grep -Eq '^dma_alloc_coherent +4 +2 +2 +12288 ' '$MEMLAB_DEBUGFS/stats' && grep -Eq '^edu_dma_transfer +8 ' '$MEMLAB_DEBUGFS/stats' && grep -Eq '^ioremap +3 +2 +1 ' '$MEMLAB_DEBUGFS/stats'"

# Four writers and two readers at once, then every name they used is free again.
lab_writer() {
	i=0
	while [ $i -lt 40 ]; do
		echo "alloc w$1_$i kmalloc $((i * 97 + 1))" >"$ctl" 2>/dev/null
		echo "alloc v$1_$i vmalloc 8K" >"$ctl" 2>/dev/null
		[ $((i % 3)) -eq 0 ] && echo "free w$1_$i" >"$ctl" 2>/dev/null
		i=$((i + 1))
	done
}
lab_concurrent() {
	for w in 1 2 3 4; do lab_writer $w & done
	for r in 1 2; do (for i in $(seq 50); do cat "$MEMLAB_DEBUGFS/objects" "$MEMLAB_DEBUGFS/stats" >/dev/null; done) & done
	wait
	for w in 1 2 3 4; do
		i=0
		while [ $i -lt 40 ]; do
			echo "free v${w}_$i" >"$ctl" 2>/dev/null
			[ $((i % 3)) -eq 0 ] || echo "free w${w}_$i" >"$ctl" 2>/dev/null
			i=$((i + 1))
		done
	done
	! grep -Eq '^[wv][1-4]_' "$MEMLAB_DEBUGFS/objects"
}
check lab_concurrent_writers_and_readers lab_concurrent
