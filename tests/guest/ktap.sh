# SPDX-License-Identifier: GPL-2.0
# KTAP output for memlab's guest tests (busybox sh). Source it, call `check` or `ok`/`not_ok`/
# `skip` once per test case, and `ktap_finish SUITE` at the end: it prints one KTAP document
# with the plan first, which the host parses (scripts/test).

_ktap_results=/tmp/ktap-results.$$
: >"$_ktap_results"
_ktap_count=0

_ktap_record() {
	_ktap_count=$((_ktap_count + 1))
	printf '%s %d %s%s\n' "$1" "$_ktap_count" "$2" "${3:+ # $3}" >>"$_ktap_results"
}

# ok NAME / not_ok NAME REASON / skip NAME REASON
ok() { _ktap_record ok "$1"; }
not_ok() {
	printf '# %s: %s\n' "$1" "$2" >>"$_ktap_results"
	_ktap_record 'not ok' "$1"
}
skip() { _ktap_record ok "$1" "SKIP $2"; }

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
	printf 'KTAP version 1\n# Subtest: %s\n1..%d\n' "$1" "$_ktap_count"
	cat "$_ktap_results"
	rm -f "$_ktap_results"
}
