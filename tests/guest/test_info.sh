# SPDX-License-Identifier: GPL-2.0
# Guest checks of /sys/kernel/debug/memlab/info and of the load-time FFI proofs in dmesg.
# Sourced by tests/guest/suite with memlab loaded.

info=$MEMLAB_DEBUGFS/info
. "$here/info.sh"

check info_readable test -r "$info"
check info_page_size test "$(info_value page_size)" = "4096 (4 KiB)"
check info_kernel_release test "$(info_value kernel_release)" = "$(uname -r)"
check info_kmalloc_max_size test "$(info_value kmalloc_max_size)" = "4194304 (4 MiB)"
check info_kmalloc_max_cache_size test "$(info_value kmalloc_max_cache_size)" = "8192 (8 KiB)"
# The zones memlab lists are the kernel's populated ones (/proc/zoneinfo: present > 0), in order.
kernel_zones() {
	awk '/^Node [0-9]+, zone/ { zone = "node=" substr($2, 1, length($2) - 1) " name=" $4 }
		$1 == "present" && $2 > 0 { print zone }' /proc/zoneinfo
}
memlab_zones() { sed -n 's/^zone: \(node=[0-9]* name=[A-Za-z0-9]*\) .*/\1/p' "$info"; }
zones_are_the_kernels() {
	kernel=$(kernel_zones) memlab=$(memlab_zones)
	echo "kernel: $kernel; memlab: $memlab"
	[ -n "$kernel" ] && [ "$kernel" = "$memlab" ]
}
check info_zones_are_the_kernels zones_are_the_kernels
case $machine in
x86_64)
	check info_has_dma_zone grep -q '^zone: node=0 name=DMA pfn=' "$info"
	check info_has_dma32_zone grep -q '^zone: node=0 name=DMA32 pfn=' "$info"
	# The VM has RAM above 4 GiB (max-ram-below-4g=1G: 1 GiB below 4 GiB, the rest above).
	check info_normal_zone_above_4g grep -q '^zone: node=0 name=Normal pfn=0x100000-' "$info"
	# No HIGHMEM: kmap and kmap_local give the direct-map address, and have no area of their own.
	check info_no_kmap_areas sh -c "grep -q '^kmap_area: none (no HIGHMEM' '$info' && grep -q '^kmap_local_area: none (no HIGHMEM' '$info'"
	;;
armv7l)
	# The arm VM's point: memory with no kernel address until mapped (-m 2048: 1.25 GiB).
	check info_has_highmem_zone grep -q '^zone: node=0 name=HighMem pfn=' "$info"
	check info_no_dma_zones sh -c "grep -q '^dma_zone_end: none' '$info' && grep -q '^dma32_zone_end: none' '$info'"
	# kmap's pkmap area lies below the direct map (PAGE_OFFSET), kmap_local's fixmap slots at
	# the top, above high_memory.
	check info_kmap_areas sh -c "grep -Eq '^kmap_area: 0xbf[0-9a-f]+-0xc0000000 [(]' '$info' && grep -Eq '^kmap_local_area: 0xff[0-9a-f]+-0xff[0-9a-f]+ [(]' '$info'"
	check info_kmap_local_above_high_memory in_area kmap_local_area "$(info_value high_memory | cut -d' ' -f1)" above
	;;
*) not_ok info_architecture "no checks for $machine" ;;
esac
check info_is_read_only sh -c "! echo x 2>/dev/null >'$info'"

check ffi_kernel_crate_proven sh -c "dmesg | grep -q 'memlab: kernel crate: Page::alloc_page() gave a page on node 0'"
check ffi_bindgen_proven sh -c "dmesg | grep -qE 'memlab: bindgen: virt_to_phys\(page_address\(page\)\) lies in zone (DMA|DMA32|Normal)$'"
check ffi_c_shim_proven sh -c "dmesg | grep -q 'memlab: C shim: kmalloc(100, GFP_KERNEL) lands in the 128 B bucket'"
