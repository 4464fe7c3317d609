# SPDX-License-Identifier: GPL-2.0
# Reading /sys/kernel/debug/memlab/info in guest checks (busybox sh); sourced by the test_*.sh
# scripts that need it.

info_value() { sed -n "s/^$1: //p" "$MEMLAB_DEBUGFS/info"; }

# in_area KEY ADDR [above]: ADDR (0x...) lies in the range info gives for KEY
# (`KEY: 0xSTART-0xEND (...)`); with `above`, the whole range lies at or above ADDR instead.
in_area() {
	range=$(sed -n "s/^$1: \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\) .*/\1 \2/p" "$MEMLAB_DEBUGFS/info")
	[ -n "$range" ] && [ -n "$2" ] || { echo "no $1 range in info, or no address ('$2')"; return 1; }
	set -- "$1" "$2" "${3:-}" ${range}
	if [ "$3" = above ]; then
		[ $(($4 >= $2)) -eq 1 ] || { echo "$1 starts at $4, below $2"; return 1; }
	else
		[ $(($2 >= $4 && $2 < $5)) -eq 1 ] || { echo "$2 is not in $1 $4-$5"; return 1; }
	fi
}
