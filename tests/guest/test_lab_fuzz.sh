# SPDX-License-Identifier: GPL-2.0
# A fuzz run of the debugfs lab: 10,000 seeded random and malformed commands from one writer,
# then 2,500 each from 4 writers at once (tests/guest/labfuzz.c, built by scripts/test), then
# `free all`. Every answer must be a documented errno; the suite's kmemleak scan and rmmod that
# follow, and the host's kernel log check, judge what the run left. The seed is printed; the
# same seed replays the single writer's commands: `./out/bin/$(uname -m)/labfuzz SEED 10000` in the VM.
# Sourced by tests/guest/suite with memlab loaded.

fuzz=./out/bin/$machine/labfuzz
fuzz_seed=${MEMLAB_FUZZ_SEED:-$(date +%s)}
note "lab fuzz seed $fuzz_seed; replay: $fuzz $fuzz_seed 10000"

# fuzz_writers N COUNT: N writers at once (1: the deterministic single writer, writer 0), each
# sending COUNT commands; every summary line is kept.
fuzz_writers() {
	pids=
	for w in $(seq "$1"); do
		w=$((w == 1 && $1 == 1 ? 0 : w))
		"$fuzz" -w "$w" "$fuzz_seed" "$2" >"/tmp/fuzz.$w" 2>&1 &
		pids="$pids $!"
	done
	status=0
	for pid in $pids; do wait "$pid" || status=1; done
	for out in /tmp/fuzz.*; do
		note "$(tail -n 1 "$out")"
	done
	[ "$status" -eq 0 ] || { cat /tmp/fuzz.*; return 1; }
	rm -f /tmp/fuzz.*
}

check lab_fuzz_tool_built test -x "$fuzz"
check lab_fuzz_10000_commands_one_writer fuzz_writers 1 10000
check lab_fuzz_4_writers_at_once fuzz_writers 4 2500
check lab_fuzz_free_all lab 'free all'
check lab_fuzz_leaves_nothing sh -c "[ \$(wc -l <'$MEMLAB_DEBUGFS/objects') -eq 1 ]"
