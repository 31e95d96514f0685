# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# lib.sh: TAP for the end-to-end tests.  Source it, call plan N, then one
# assertion per test.  Commands are strings run with eval, so redirections
# work: expect_code 'empty input' 65 'smime-verify </dev/null'.
#
# A command killed by a signal (status > 128), or stopped by a sanitizer
# (86, 87) or valgrind (99), fails every assertion, must_fail included:
# a crash is never an expected failure (git's test_must_fail).

export ASAN_OPTIONS="exitcode=86:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1"
export LC_ALL=C SMIME_AUTHSERV_ID=mx.example.org
unset SMIME_STORE

testdir=$(cd "$(dirname "$0")" && pwd)
corpus=$testdir/corpus
tmp=$(mktemp -d "${TMPDIR:-/tmp}/smimetools-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home TMPDIR=$tmp
mkdir -p "$HOME"

_n=0
_failed=0

plan() {
	echo "1..$1"
}

_report() {	# status description [detail]
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		[ -n "${3-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
		_failed=$((_failed + 1))
	fi
}

_crashed() {
	[ "$1" -gt 128 ] || [ "$1" -eq 86 ] || [ "$1" -eq 87 ] ||
	    [ "$1" -eq 99 ]
}

# ok DESC CMD: CMD exits 0.
ok() {
	_desc=$1
	shift
	( eval "$1" ) >"$tmp/.out" 2>"$tmp/.err"
	_rc=$?
	[ "$_rc" -eq 0 ]
	_report $? "$_desc" "exit $_rc: $(head -c 600 "$tmp/.err")"
}

# expect_code DESC CODE CMD: CMD exits CODE.
expect_code() {
	_desc=$1
	_want=$2
	shift 2
	( eval "$1" ) >"$tmp/.out" 2>"$tmp/.err"
	_rc=$?
	[ "$_rc" -eq "$_want" ]
	_report $? "$_desc" "exit $_rc, wanted $_want: $(head -c 600 "$tmp/.err")"
}

# must_fail DESC CMD: CMD fails cleanly (1..125, not a crash).
must_fail() {
	_desc=$1
	shift
	( eval "$1" ) >"$tmp/.out" 2>"$tmp/.err"
	_rc=$?
	[ "$_rc" -ne 0 ] && ! _crashed "$_rc"
	_report $? "$_desc" "exit $_rc: $(head -c 600 "$tmp/.err")"
}

# check_same DESC FILE1 FILE2: same bytes.
check_same() {
	cmp -s "$2" "$3"
	_report $? "$1" "$(cmp "$2" "$3" 2>&1; diff "$2" "$3" 2>&1 | head -20)"
}

# check_grep DESC PATTERN FILE: an extended regexp matches a line.
check_grep() {
	grep -Eq -- "$2" "$3"
	_report $? "$1" "no line of $3 matches /$2/: $(head -c 400 "$3")"
}

# check_nogrep DESC PATTERN FILE: no line matches.
check_nogrep() {
	! grep -Eq -- "$2" "$3"
	_report $? "$1" "$(grep -E -- "$2" "$3" | head -5)"
}

# check_eq DESC GOT WANT: two strings are equal.
check_eq() {
	[ "$2" = "$3" ]
	_report $? "$1" "got '$2', wanted '$3'"
}

# skip DESC REASON: a test that cannot run here (say why).
skip() {
	_n=$((_n + 1))
	echo "ok $_n - $1 # SKIP $2"
}

# The stderr of the last assertion's command.
last_err() {
	cat "$tmp/.err"
}

done_testing() {
	[ "$_failed" -eq 0 ]
	exit $?
}

# ar_result FILE: our Authentication-Results unfolded, from the result on:
# "pass", "policy (expired)", ... (the properties cut off).
ar_result() {
	awk '{ sub(/\r$/, "") }
	    /^[ \t]/ && p { sub(/^[ \t]+/, " "); l = l $0; next }
	    { if (p) print l; p = 0 }
	    /^Authentication-Results: mx\.example\.org;/ { p = 1; l = $0 }
	    END { if (p) print l }' "$1" |
	    sed 's/^Authentication-Results: mx\.example\.org; smime=//; s/ body\..*//' |
	    head -1
}

# Shell helpers for fixtures.
# private_keys NAME...: the test PKI's NAME.key and NAME.p12 (where there
# is one) copied to $tmp, mode 0600: the tools refuse keys others can read.
private_keys() {
	for _k in "$@"; do
		for _f in "$testdir/pki/$_k.key" "$testdir/pki/$_k.p12"; do
			[ -e "$_f" ] || continue
			cp "$_f" "$tmp/" && chmod 600 "$tmp/${_f##*/}"
		done
	done
}

# helpdesk_store DIR: a store in DIR (made) holding the helpdesk identity
# (passphrase "test", also in $tmp/pass, mode 0600; private_keys helpdesk
# first), the test root as its anchor, the sub CA, alice and bob.
helpdesk_store() {
	certstore -S "$1" init
	certstore -S "$1" identity add -p "$tmp/helpdesk.p12" --passin pass:test
	certstore -S "$1" trust add "$testdir/pki/root-ca.pem"
	certstore -S "$1" add "$testdir/pki/sub-ca.pem" "$testdir/pki/alice.pem" \
	    "$testdir/pki/bob.pem"
	echo test >"$tmp/pass"
	chmod 600 "$tmp/pass"
}

# fake_sendmail DIR: $tmp/fake-sendmail, a sendmail that keeps its
# arguments (DIR/argv) and the message (DIR/msg) in DIR, which it makes:
# a second message finds it and exits 70; else it exits $FAKE_EXIT (0).
fake_sendmail() {
	cat >"$tmp/fake-sendmail" <<EOF
#!/bin/sh
mkdir "$1" || exit 70
printf '%s\n' "\$@" >"$1/argv"
cat >"$1/msg"
exit \${FAKE_EXIT:-0}
EOF
	chmod +x "$tmp/fake-sendmail"
}

# A message's header (up to its empty line) and body.
hdr() { sed '/^\r\{0,1\}$/q' "$1"; }
body() { sed '1,/^\r\{0,1\}$/d' "$1"; }
# The SMIME-Decrypt field unfolded, its fingerprint X (hdres: all of it;
# dres: less an "hp=none" at its end, which only the tests of header
# protection look at); the message without our (first) SMIME-Decrypt
# field.
hdres() {
	awk '/^SMIME-Decrypt:/ { p = 1; printf "%s", $0; next }
	    p && /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next }
	    { p = 0 }' "$1" |
	    sed 's/SMIME-Decrypt: //; s/\(recipient=sha256:\)[0-9a-f]*/\1X/'
}
dres() { hdres "$1" | sed 's/; hp=none$//'; }
undres() {
	awk '!d && /^SMIME-Decrypt:/ { p = 1; d = 1; next }
	    p && /^[ \t]/ { next } { p = 0; print }' "$1"
}

lf() { sed 's/\r$//' "$1"; }
crlf() { sed 's/\r$//; s/$/\r/' "$1"; }
# inner_entity FILE: what smime-encrypt encrypts of a message: the Content-*
# fields (with their continuation lines), a blank line, the body; CRLF.
inner_entity() {
	awk 'BEGIN { h = 1 } { sub(/\r$/, "") }
	    h && /^$/ { h = 0; printf "\r\n"; next }
	    h && /^[ \t]/ { if (c) printf "%s\r\n", $0; next }
	    h { c = tolower($0) ~ /^content-/; if (c) printf "%s\r\n", $0; next }
	    { printf "%s\r\n", $0 }' "$1"
}

# small_fs DIR SIZE: a tmpfs of SIZE mounted on DIR (made), unmounted at
# exit, for full-disk tests; else 1, with why set to the reason to skip.
_mounts=
small_fs() {
	mkdir -p "$1"
	why=
	if [ "$(id -u)" -ne 0 ]; then
		why="mounting a $2 tmpfs needs root"
	elif ! mount -t tmpfs -o size="$2" none "$1" 2>"$tmp/mount.err"; then
		why="mount -t tmpfs failed: $(head -1 "$tmp/mount.err")"
	fi
	[ -z "$why" ] || return 1
	_mounts="$_mounts $1"
	trap 'for _m in $_mounts; do umount "$_m" 2>/dev/null; done; rm -rf "$tmp"' EXIT
}

# Throwaway LDAP servers (scripts/test-slapd), each in its own directory
# under $tmp, stopped by pid when the test exits.
# slapd_start DIR [OPTION...]: start one (the options of test-slapd
# start); DIR/env then holds its port, url, ldapi, base, gateway_dn, pid.
# slapd_get DIR NAME: one of those values.  slapd_stop DIR, slapd_kill9
# DIR: end it (it can be started again, same port, same data).  A test
# killed by a signal (prove interrupted, its pipe closed) exits through
# the EXIT trap too, so that no server outlives it.
_slapds=
slapd_start() {
	_sd=$1
	shift
	case " $_slapds " in *" $_sd "*) ;; *) _slapds="$_slapds $_sd" ;; esac
	trap '_slapd_stop_all; for _m in $_mounts; do umount "$_m" 2>/dev/null; done; rm -rf "$tmp"' EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	trap 'exit 143' TERM
	"$testdir/../scripts/test-slapd" start "$_sd" "$@" >/dev/null
}

slapd_get() {
	sed -n "s/^$2=//p" "$1/env"
}

slapd_stop() {
	"$testdir/../scripts/test-slapd" stop "$1"
}

slapd_kill9() {
	"$testdir/../scripts/test-slapd" kill9 "$1"
}

_slapd_stop_all() {
	for _sd in $_slapds; do
		"$testdir/../scripts/test-slapd" stop "$_sd" >/dev/null 2>&1
	done
}
