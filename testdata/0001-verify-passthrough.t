#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# smime-verify on messages without an S/MIME signature: smime=none at the
# top, forged verdicts of our authserv-id removed, all else byte-exact.
. "$(dirname "$0")/lib.sh"
plan 33

printf 'From: a@example.com\nSubject: hi\n\nhello\n' >"$tmp/plain.eml"
{ printf 'Authentication-Results: mx.example.org; smime=none\n'
  cat "$tmp/plain.eml"; } >"$tmp/plain.expect"
ok 'plain LF message' 'smime-verify <"$tmp/plain.eml" >"$tmp/out"'
check_same 'smime=none on top, rest byte-exact' "$tmp/out" "$tmp/plain.expect"

crlf "$tmp/plain.eml" >"$tmp/plain-crlf.eml"
crlf "$tmp/plain.expect" >"$tmp/plain-crlf.expect"
ok 'plain CRLF message' 'smime-verify <"$tmp/plain-crlf.eml" >"$tmp/out"'
check_same 'CRLF in, CRLF out' "$tmp/out" "$tmp/plain-crlf.expect"

ok 'forged Authentication-Results' \
    'smime-verify <"$testdir/0001-forged-ar.eml" >"$tmp/out"'
check_same 'ours removed in every spelling, others kept' "$tmp/out" \
    "$testdir/0001-forged-ar.expect"
crlf "$testdir/0001-forged-ar.eml" >"$tmp/f-crlf.eml"
crlf "$testdir/0001-forged-ar.expect" >"$tmp/f-crlf.expect"
ok 'forged, CRLF' 'smime-verify <"$tmp/f-crlf.eml" >"$tmp/out"'
check_same 'forged, CRLF: same result' "$tmp/out" "$tmp/f-crlf.expect"

ok '--authserv-id overrides the environment' \
    'smime-verify --authserv-id other.example.org <"$testdir/0001-forged-ar.eml" >"$tmp/out"'
check_nogrep 'other.example.org verdict removed' \
    '^Authentication-Results: other.example.org; smime=pass' "$tmp/out"
check_grep 'mx.example.org verdicts kept for another id' \
    '^Authentication-Results: mx.example.org; smime=pass' "$tmp/out"

printf 'From alice@example.com Mon Nov 23 08:00:00 2026\n' >"$tmp/mbox.eml"
cat "$tmp/plain.eml" >>"$tmp/mbox.eml"
{ printf 'From alice@example.com Mon Nov 23 08:00:00 2026\n'
  cat "$tmp/plain.expect"; } >"$tmp/mbox.expect"
ok 'mbox From line' 'smime-verify <"$tmp/mbox.eml" >"$tmp/out"'
check_same 'From line kept first, our header after it' "$tmp/out" \
    "$tmp/mbox.expect"

ok '--crlf' 'smime-verify --crlf <"$tmp/plain.eml" >"$tmp/out"'
check_same '--crlf converts every line' "$tmp/out" "$tmp/plain-crlf.expect"
ok '--lf' 'smime-verify --lf <"$tmp/plain-crlf.eml" >"$tmp/out"'
check_same '--lf converts every line' "$tmp/out" "$tmp/plain.expect"

ok '-i and -o' 'smime-verify -i "$tmp/plain.eml" -o "$tmp/o.eml" </dev/null'
check_same '-o holds the result' "$tmp/o.eml" "$tmp/plain.expect"

expect_code '-q: no output, exit 1 for none' 1 \
    'smime-verify -q <"$tmp/plain.eml" >"$tmp/out"'
check_eq '-q wrote nothing' "$(wc -c <"$tmp/out")" 0
expect_code '--strict: exit 1 for none' 1 \
    'smime-verify --strict <"$tmp/plain.eml" >"$tmp/out"'
check_same '--strict still writes the message' "$tmp/out" "$tmp/plain.expect"

ok '--report' 'smime-verify --report "$tmp/r.json" <"$tmp/plain.eml" >/dev/null'
check_eq 'report line' "$(cat "$tmp/r.json")" \
    '{"tool":"smime-verify","authserv_id":"mx.example.org","result":"none"}'

printf 'From: a\n\nno newline at the end' >"$tmp/nonl.eml"
ok 'no final newline' 'smime-verify <"$tmp/nonl.eml" >"$tmp/out"'
{ printf 'Authentication-Results: mx.example.org; smime=none\n'
  cat "$tmp/nonl.eml"; } >"$tmp/nonl.expect"
check_same 'no final newline: kept as is' "$tmp/out" "$tmp/nonl.expect"

printf 'From: a\nSubject: x\n' >"$tmp/hdronly.eml"
ok 'header without body' 'smime-verify <"$tmp/hdronly.eml" >"$tmp/out"'
{ printf 'Authentication-Results: mx.example.org; smime=none\n'
  cat "$tmp/hdronly.eml"; } >"$tmp/hdronly.expect"
check_same 'header without body: kept as is' "$tmp/out" "$tmp/hdronly.expect"

expect_code 'empty input is not a message' 65 'smime-verify </dev/null'
check_grep 'empty input: says why' '^smime-verify: empty input' "$tmp/.err"

printf 'From: a\n\nbinary \000\001\377 body\r\nmixed\n' >"$tmp/bin.eml"
ok 'binary body' 'smime-verify <"$tmp/bin.eml" >"$tmp/out"'
{ printf 'Authentication-Results: mx.example.org; smime=none\n'
  cat "$tmp/bin.eml"; } >"$tmp/bin.expect"
check_same 'binary body, mixed line ends: byte-exact' "$tmp/out" "$tmp/bin.expect"

done_testing
