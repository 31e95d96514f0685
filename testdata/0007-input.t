#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# A regular file on stdin is read twice instead of spooled: the output
# must be the same as from a pipe, byte for byte, with fields removed
# (forged results, Bcc, SMIME-Encrypt), an mbox From line, and a
# descriptor that does not start at offset 0.
. "$(dirname "$0")/lib.sh"
plan 14

pki=$testdir/pki
cp "$pki/alice.key" "$tmp/alice.key"
chmod 600 "$tmp/alice.key"
cat >"$tmp/m.eml" <<'MSG'
From alice@example.com Mon Nov 23 10:00:00 2026
Authentication-Results: mx.example.org; smime=pass
From: alice@example.com
SMIME-Decrypt: mx.example.org; result=pass
To: alice@example.com
Bcc: b@example.com
SMIME-Encrypt: yes
Subject: same
Content-Type: text/plain

body
MSG
# The same message after 7 bytes of something else.
{ printf 'xxxxxx\n'; cat "$tmp/m.eml"; } >"$tmp/off.eml"

for cmd in "smime-verify" "smime-decrypt" "smime-encrypt --no-encrypt" \
    "smime-encrypt -r $pki/alice.pem" "smime-sign -k $tmp/alice.key -c $pki/alice.pem --chain $pki/sub-ca.pem"; do
	name=${cmd%% -[rk]*}
	$cmd <"$tmp/m.eml" >"$tmp/file.out" 2>/dev/null
	cat "$tmp/m.eml" | $cmd >"$tmp/pipe.out" 2>/dev/null
	{ head -c 7 >/dev/null; $cmd >"$tmp/off.out" 2>/dev/null; } <"$tmp/off.eml"
	case $cmd in
	*-r*|*-k*)	# encrypted or signed: random; compare the headers
		for f in file pipe off; do
			sed '/^$/q' "$tmp/$f.out" | grep -v 'boundary\|^	' >"$tmp/$f.h"
		done
		check_same "$name: a file and a pipe give the same header" "$tmp/file.h" "$tmp/pipe.h"
		check_same "$name: a descriptor at an offset too" "$tmp/off.h" "$tmp/pipe.h"
		;;
	*)	check_same "$cmd: a file and a pipe give the same output" "$tmp/file.out" "$tmp/pipe.out"
		check_same "$cmd: a descriptor at an offset too" "$tmp/off.out" "$tmp/pipe.out"
		;;
	esac
	case $cmd in
	*--no-encrypt) check_nogrep 'the fields removed from a file are removed' \
	    'Bcc:|SMIME-Encrypt:' "$tmp/file.out" ;;
	esac
done
smime-encrypt -r "$pki/alice.pem" <"$tmp/m.eml" >"$tmp/e.eml"
smime-decrypt -k "$tmp/alice.key" -c "$pki/alice.pem" <"$tmp/e.eml" >"$tmp/d.eml"
check_grep 'encrypted from a file decrypts' 'result=pass' "$tmp/d.eml"
check_eq 'with its body' "$(tail -1 "$tmp/d.eml")" body
smime-verify --no-system-ca --ca "$pki/root-ca.pem" <"$tmp/file.out" >"$tmp/v.eml"
check_grep 'signed from a file verifies' 'smime=pass' "$tmp/v.eml"

done_testing
