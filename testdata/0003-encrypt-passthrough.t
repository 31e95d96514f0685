#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# smime-encrypt's do-not-encrypt paths: --no-encrypt, SMIME-Encrypt: no.
# The control field never leaves.
. "$(dirname "$0")/lib.sh"
plan 14

printf 'From: help@example.org\nTo: a@example.com\nSMIME-Encrypt: no\nSubject: re\n\nbody\n' >"$tmp/no.eml"
printf 'From: help@example.org\nTo: a@example.com\nSubject: re\n\nbody\n' >"$tmp/no.expect"
ok 'SMIME-Encrypt: no' 'smime-encrypt <"$tmp/no.eml" >"$tmp/out"'
check_same 'passed through, control field removed' "$tmp/out" "$tmp/no.expect"

printf 'From: x\nSMIME-Encrypt:\n (folded, with a comment) No\nSubject: re\n\nbody\n' >"$tmp/no2.eml"
printf 'From: x\nSubject: re\n\nbody\n' >"$tmp/no2.expect"
ok 'SMIME-Encrypt: No, folded with a comment' 'smime-encrypt <"$tmp/no2.eml" >"$tmp/out"'
check_same 'any spelling of no' "$tmp/out" "$tmp/no2.expect"

ok '--no-encrypt' 'smime-encrypt --no-encrypt <"$tmp/no.expect" >"$tmp/out"'
check_same '--no-encrypt: unchanged' "$tmp/out" "$tmp/no.expect"

printf 'From: x\nSMIME-Encrypt: yes\nSubject: re\n\nbody\n' >"$tmp/yes.eml"
printf 'From: x\nSubject: re\n\nbody\n' >"$tmp/yes.expect"
ok '--no-encrypt removes SMIME-Encrypt: yes too' \
    'smime-encrypt --no-encrypt <"$tmp/yes.eml" >"$tmp/out"'
check_same 'control field removed whatever its value' "$tmp/out" "$tmp/yes.expect"

printf 'From: x\nSubject: re\n\nSMIME-Encrypt: no\n' >"$tmp/body.eml"
expect_code 'SMIME-Encrypt: no in the body does not count (no recipient: 65)' 65 \
    'smime-encrypt <"$tmp/body.eml" >"$tmp/out"'
check_eq 'nothing written when it cannot encrypt' "$(wc -c <"$tmp/out")" 0

crlf "$tmp/no.eml" >"$tmp/no-crlf.eml"
crlf "$tmp/no.expect" >"$tmp/no-crlf.expect"
ok 'CRLF' 'smime-encrypt <"$tmp/no-crlf.eml" >"$tmp/out"'
check_same 'CRLF: byte-exact' "$tmp/out" "$tmp/no-crlf.expect"

printf 'old\n' >"$tmp/target"
expect_code 'failure with -o' 65 \
    'smime-encrypt -o "$tmp/target" <"$tmp/body.eml"'
check_eq '-o target untouched, no temporary left' \
    "$(cat "$tmp/target"; ls -A "$tmp" | grep -c '^\.target\.')" "old
0"

done_testing
