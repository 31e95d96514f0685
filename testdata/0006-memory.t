#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Bounded memory: a 64 MiB message (one base64 attachment) passes through
# smime-verify and smime-decrypt, and is encrypted and decrypted with
# AES-CBC and AES-GCM, with a peak RSS under 16 MiB.  Not a timing test;
# the 1 GiB figure is measured by `make bench`.
. "$(dirname "$0")/lib.sh"
plan 16

{
	printf 'From: a@example.com\nSubject: big\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
	head -c 50331648 /dev/zero | base64
	printf '\n--b--\n'
} >"$tmp/big.eml"
size=$(wc -c <"$tmp/big.eml")

rss_under() {	# DESC: the peak RSS in $tmp/rss
	rss=$(cat "$tmp/rss")
	echo "# $1: peak RSS ${rss} KiB for $size bytes"
	case ${SMIME_TEST_BUILD-} in
	*-san)	skip "$1: peak RSS under 16 MiB" \
		    'ASan shadow memory; asserted by the plain build' ;;
	*)	[ "$rss" -lt 16384 ]
		_report $? "$1: peak RSS under 16 MiB" "peak RSS ${rss} KiB" ;;
	esac
}

for t in smime-verify smime-decrypt; do
	ok "$t: 64 MiB pass-through" \
	    '/usr/bin/time -f %M -o "$tmp/rss" $t <"$tmp/big.eml" >"$tmp/out"'
	same=$(tail -c "$size" "$tmp/out" | cmp -s - "$tmp/big.eml" && echo same)
	check_eq "$t: output byte-exact under the header" "$same" same
	rss_under "$t"
done

cp "$testdir/pki/alice.key" "$tmp/alice.key"
chmod 600 "$tmp/alice.key"
for c in aes-256-cbc aes-256-gcm; do
	ok "smime-encrypt $c: 64 MiB" \
	    '/usr/bin/time -f %M -o "$tmp/rss" smime-encrypt --cipher $c -r "$testdir/pki/alice.pem" <"$tmp/big.eml" >"$tmp/enc"'
	rss_under "smime-encrypt $c"
	ok "smime-decrypt $c: 64 MiB" \
	    '/usr/bin/time -f %M -o "$tmp/rss" smime-decrypt -k "$tmp/alice.key" -c "$testdir/pki/alice.pem" <"$tmp/enc" >"$tmp/out"'
	rss_under "smime-decrypt $c"
	# The body, after the SMIME-Decrypt field and the outer header.
	same=$(tail -c "$(($(wc -c <"$tmp/big.eml") - $(sed '/^$/q' "$tmp/big.eml" | wc -c)))" "$tmp/out" |
	    cmp -s - "$(sed '1,/^$/d' "$tmp/big.eml" >"$tmp/body"; echo "$tmp/body")" && echo same)
	check_eq "$c: the 64 MiB body comes back" "$same" same
done

done_testing
