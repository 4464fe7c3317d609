# SPDX-License-Identifier: GPL-2.0
# Leaves one live object of every kind in the lab, with every dependency between them, for the
# suite's rmmod to free (newest first: aliases before their pages, elements before their pool,
# pools before their cache; the device's buffers and windows at unbind) and for its kmemleak
# scans and the host's kernel log check to judge. Sourced by tests/guest/suite, last of the lab.

teardown_objects() {
	for command in \
		'alloc t_km kmalloc 100' 'alloc t_kz kzalloc 3000' 'alloc t_kv kvmalloc 5M' \
		'alloc t_vm vmalloc 64K' 'alloc t_vz vzalloc 8K' 'alloc t_v32 vmalloc_32 8K' \
		'alloc t_pg pages 1' 'alloc t_pg2 pages 0' 'alloc t_fp get_free_pages 1' \
		'alloc t_zp zeroed_page' 'vmap t_view t_pg' 'kmap t_map t_pg2' \
		'alloc t_hp highpages 1' 'kmap t_hmap t_hp 1' \
		'cache create t_c 64 flags=POISON' 'alloc t_obj cache:t_c' 'pool create t_p 2 slab:t_c' \
		'alloc t_el pool:t_p' 'pool create t_pp 1 pages:0' 'alloc t_pe pool:t_pp' \
		'alloc t_dma dma 4K' 'ioremap t_regs edu 0 16'; do
		lab "$command" || { echo "'$command': $(cat "$ctl")"; return 1; }
	done
	[ "$(wc -l <"$MEMLAB_DEBUGFS/objects")" -eq 23 ]
}
check lab_teardown_objects_of_every_kind_live teardown_objects
