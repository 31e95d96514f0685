#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Output failures never read as success.  For each filter (smime-verify,
# smime-decrypt, smime-encrypt, smime-sign), a small message and a large
# one (1 MiB: many buffers, the spool, sendfile; 256 KiB under valgrind):
#  - stdout closed, stdin a pipe: 74 and one line saying so (a spool
#    opened after it took descriptor 1: the message went there, exit 0);
#  - stdout /dev/full: 75, the disk-full code, never 0;
#  - a file-size limit (ulimit -f) with stdout a file, and with -o: 75
#    under --on-error=tempfail, one line naming the reason (SIGXFSZ killed
#    the run), and -o's target as it was, no temporary file beside it.
# smime-inbound: a closed stdout is 75, not the shell's 2.
# A store whose folder or one of its folders group or others may write
# is refused, 78 and the reason, by every command that opens it; a key
# file others may read is still 77; certstore fsck --repair mends it.
. "$(dirname "$0")/lib.sh"
plan 91

pki=$testdir/pki
private_keys alice
ca="--no-system-ca --ca $pki/root-ca.pem"

# 1 MiB; 256 KiB under valgrind, still four buffers and over the limit.
lines=16384
[ -n "${SMIME_TEST_VALGRIND-}" ] && lines=4096
printf 'From: bob@example.com\nTo: alice@example.com\nSubject: s\nContent-Type: text/plain\n\nsmall\n' >"$tmp/small.eml"
{
	printf 'From: bob@example.com\nTo: alice@example.com\nSubject: l\nContent-Type: text/plain\n\n'
	awk -v n="$lines" 'BEGIN { for (i = 0; i < n; i++) printf "%063d\n", i }'
} >"$tmp/large.eml"
for s in small large; do
	smime-encrypt -r "$pki/alice.pem" <"$tmp/$s.eml" >"$tmp/$s.p7m"
done
# run FILTER SIZE: the filter's command line and its input.
cmd() {
	case $1 in
	verify) echo "smime-verify $ca" in=$tmp/$2.eml ;;
	decrypt) echo "smime-decrypt -k $tmp/alice.key -c $pki/alice.pem" in=$tmp/$2.p7m ;;
	encrypt) echo "smime-encrypt -r $pki/alice.pem" in=$tmp/$2.eml ;;
	sign) echo "smime-sign -k $tmp/alice.key -c $pki/alice.pem" in=$tmp/$2.eml ;;
	esac
}

for f in verify decrypt encrypt sign; do
	for s in small large; do
		c=$(cmd $f $s)
		in=${c##*in=}
		c=${c% in=*}
		expect_code "$f, $s, stdout closed: 74" 74 \
		    'cat "$in" | $c >&-'
		check_eq "$f, $s, stdout closed: one line says so" \
		    "$(last_err)" "smime-$f: cannot write output: standard output is closed"
		expect_code "$f, $s, stdout /dev/full: 75" 75 \
		    'cat "$in" | $c >/dev/full'
	done
	# ulimit -f counts blocks of 512 bytes (dash) or 1024 (bash): the
	# 1 MiB output is over either way.
	c=$(cmd $f large)
	in=${c##*in=}
	c=${c% in=*}
	expect_code "$f, ulimit -f, stdout a file: 75 under --on-error=tempfail" 75 \
	    'ulimit -f 64; $c --on-error=tempfail <"$in" >"$tmp/out"'
	check_grep "$f, ulimit -f, stdout a file: one line, the reason" \
	    "^smime-$f: cannot write .*: File too large\$" "$tmp/.err"
	echo old >"$tmp/target"
	expect_code "$f, ulimit -f, -o: 75 under --on-error=tempfail" 75 \
	    'ulimit -f 64; $c --on-error=tempfail <"$in" -o "$tmp/target"'
	check_grep "$f, ulimit -f, -o: one line, the reason" \
	    "^smime-$f: cannot write .*: File too large\$" "$tmp/.err"
	check_eq "$f, ulimit -f, -o: the target as it was" "$(cat "$tmp/target")" old
	check_eq "$f, ulimit -f, -o: no temporary file left" \
	    "$(ls -A "$tmp" | grep -c '^\.target\.')" 0
done

# smime-inbound's own handling.
expect_code 'smime-inbound, stdout closed: 75' 75 \
    'smime-inbound -- $ca <"$tmp/small.eml" >&-'
check_grep 'smime-inbound, stdout closed: it says so' \
    '^smime-inbound: cannot write output: standard output is closed$' "$tmp/.err"
expect_code 'smime-inbound, stdout /dev/full: 75' 75 \
    'smime-inbound -- $ca <"$tmp/small.eml" >/dev/full'

# --- the store's modes ------------------------------------------------------
St=$tmp/store
S="-S $St"
certstore $S init
certstore $S identity add -p "$tmp/alice.p12" --passin pass:test
certstore $S trust add "$pki/root-ca.pem"
certstore $S add "$pki/sub-ca.pem" "$pki/bob.pem"
smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" <"$tmp/small.eml" \
    >"$tmp/signed.eml"
printf 'From: alice@example.com\nTo: bob@example.com\nSubject: s\n\nx\n' \
    >"$tmp/tobob.eml"
# every COMMAND...: each command that opens the store, with its input.
every() {
	expect_code "$1: certstore get: 78" 78 'certstore $S get bob@example.com'
	expect_code "$1: smime-verify: 78" 78 'smime-verify $S <"$tmp/signed.eml"'
	expect_code "$1: smime-verify --import: 78" 78 \
	    'smime-verify $S --import <"$tmp/signed.eml"'
	expect_code "$1: smime-decrypt: 78" 78 \
	    'smime-decrypt $S --passin pass:test <"$tmp/small.p7m"'
	expect_code "$1: smime-encrypt: 78" 78 'smime-encrypt $S <"$tmp/tobob.eml"'
	expect_code "$1: smime-sign: 78" 78 \
	    'smime-sign $S --as alice@example.com --passin pass:test <"$tmp/tobob.eml"'
	check_grep "$1: the reason, one line" \
	    "^smime-sign: the store '.*' is writable by others: $2 has mode 0$3, not 0700" "$tmp/.err"
}
ok 'the store as made: smime-decrypt reads it' \
    'smime-decrypt $S --passin pass:test <"$tmp/small.p7m"'
chmod 770 "$St"
every 'store folder mode 770' 'the folder' 770
chmod 700 "$St"
for d in certs keys ca crl; do
	chmod 702 "$St/$d"
	every "$d/ mode 702" "$d/" 702
	chmod 700 "$St/$d"
done
chmod 777 "$St/ca"
expect_code '--on-error=tempfail: 75' 75 \
    'smime-verify $S --on-error=tempfail <"$tmp/signed.eml"'
ok 'certstore fsck --repair opens it and mends it' 'certstore $S fsck --repair'
ok 'then smime-verify reads it again' 'smime-verify $S <"$tmp/signed.eml"'
key=$(ls "$St/keys/"*.pem)
chmod 644 "$key"
expect_code 'a key others may read: 77, as before' 77 \
    'smime-decrypt $S --passin pass:test <"$tmp/small.p7m"'
chmod 600 "$key"

done_testing
