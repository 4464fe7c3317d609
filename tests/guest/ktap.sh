# SPDX-License-Identifier: GPL-2.0
# KTAP output for memlab's guest tests (busybox sh). Source it, call `check` or `ok`/`not_ok`/
# `skip` once per test case, and `ktap_finish SUITE` at the end: it prints one KTAP v1 document
# (Documentation/dev-tools/ktap.rst) with the suite as the one subtest of the top level, the
# same shape as a KUnit suite's debugfs results, which the host judges with the kernel's own
# parser (tools/testing/kunit/kunit.py parse, see scripts/test).

_ktap_results=/tmp/ktap-results.$$
: >"$_ktap_results"
_ktap_count=0
_ktap_failed=0

# Each result also goes to stdout as it happens: the host streams it, so a long suite shows
# its progress.
_ktap_record() {
	_ktap_count=$((_ktap_count + 1))
	printf '    %s %d %s%s\n' "$1" "$_ktap_count" "$2" "${3:+ # $3}" | tee -a "$_ktap_results"
}

# ok NAME / not_ok NAME REASON / skip NAME REASON
ok() { _ktap_record ok "$1"; }
not_ok() {
	printf '    # %s: %s\n' "$1" "$(printf '%s' "$2" | tr '\n' ' ')" | tee -a "$_ktap_results"
	_ktap_record 'not ok' "$1"
	_ktap_failed=1
}
skip() { _ktap_record ok "$1" "SKIP $2"; }

# note TEXT: a diagnostic line in the results, kept whatever the outcome (a seed, a count).
note() { printf '    # %s\n' "$1" | tee -a "$_ktap_results"; }

# check NAME CMD...: the test passes when CMD exits 0; CMD's output is kept as diagnostics.
check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		ok "$_name"
	else
		not_ok "$_name" "'$*' failed: $(printf '%s' "$_out" | tail -n 3 | tr '\n' ' ')"
	fi
}

ktap_finish() {
	printf 'KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: %s\n    1..%d\n' "$1" "$_ktap_count"
	cat "$_ktap_results"
	rm -f "$_ktap_results"
	if [ "$_ktap_failed" -eq 0 ]; then
		printf 'ok 1 %s\n' "$1"
	else
		printf 'not ok 1 %s\n' "$1"
	fi
}
