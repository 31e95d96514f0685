#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# smime-decrypt on messages that are not encrypted, or whose only
# encrypted part is nested (Efail direct exfiltration): result=none,
# every SMIME-Decrypt field that came with the message removed.
. "$(dirname "$0")/lib.sh"
plan 14

printf 'From: a@example.com\nSMIME-Decrypt: mx.example.org; result=pass\nsmime-decrypt:\n  other; result=pass\nSubject: hi\n\nSMIME-Decrypt: in the body stays\n' >"$tmp/in.eml"
{ printf 'SMIME-Decrypt: mx.example.org; result=none (not encrypted)\n'
  printf 'From: a@example.com\nSubject: hi\n\nSMIME-Decrypt: in the body stays\n'
} >"$tmp/in.expect"
ok 'not encrypted' 'smime-decrypt <"$tmp/in.eml" >"$tmp/out"'
check_same 'result=none on top, forged fields removed' "$tmp/out" "$tmp/in.expect"
crlf "$tmp/in.eml" >"$tmp/in-crlf.eml"
crlf "$tmp/in.expect" >"$tmp/in-crlf.expect"
ok 'not encrypted, CRLF' 'smime-decrypt <"$tmp/in-crlf.eml" >"$tmp/out"'
check_same 'CRLF in, CRLF out' "$tmp/out" "$tmp/in-crlf.expect"

# KMail's test: gpgsm output between hand-made parts; Efail's direct
# exfiltration has the same shape.
m=$corpus/kde-mimetreeparser/testdata/smime-encrypted-ambiguous-mime.mbox
ok 'encrypted part nested in multipart/mixed' 'smime-decrypt <"$m" >"$tmp/out"'
check_grep 'nested: result=none with a reason' \
    '^SMIME-Decrypt: mx.example.org; result=none' "$tmp/out"
check_grep 'nested: the comment says why' \
    'only a nested part is encrypted: not decrypted' "$tmp/out"
tail -n +3 "$tmp/out" >"$tmp/rest"
check_same 'nested: the message is otherwise unchanged' "$tmp/rest" "$m"

expect_code '--strict: not decrypted exits 1' 1 \
    'smime-decrypt --strict <"$tmp/in.eml" >"$tmp/out"'
check_same '--strict: the message is still written' "$tmp/out" "$tmp/in.expect"

m=$corpus/thunderbird-nss/smime/alice.env.eml
expect_code 'encrypted, but no key and no store: 78' 78 \
    'smime-decrypt <"$m" >"$tmp/out"'
check_eq 'no key: nothing on stdout' "$(wc -c <"$tmp/out")" 0
expect_code 'bare CMS (DER), no key: 78' 78 \
    'smime-decrypt <"$corpus/kde-mimetreeparser/testdata/smime.p7m" >"$tmp/out"'
expect_code '--on-error=tempfail maps 78 to 75' 75 \
    'smime-decrypt --on-error=tempfail <"$m" >"$tmp/out"'

done_testing
