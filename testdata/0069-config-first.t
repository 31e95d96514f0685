#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# What a filter trusts is loaded before the message is read: a bad
# configuration (a --ca, a key, a passphrase, a -r file, the store -t
# names) is the same exit on every message, signed or not, encrypted or
# not (smimetools(7) EXIT STATUS), with nothing on stdout, stdin read to
# its end and the caller's copy untouched.
. "$(dirname "$0")/lib.sh"
plan 37

pki=$testdir/pki
cp "$pki/alice.key" "$tmp/alice.key"
chmod 600 "$tmp/alice.key"
cp "$pki/alice.key" "$tmp/open.key"
chmod 644 "$tmp/open.key"
cp "$pki/alice.p12" "$tmp/alice.p12"
chmod 600 "$tmp/alice.p12"
printf 'not a certificate\n' >"$tmp/notacert.pem"
printf 'From: alice@example.com\nTo: bob@example.com\nSubject: hi\n\nbody\n' \
    >"$tmp/plain.eml"
printf 'From: alice@example.com\nSMIME-Encrypt: no\nSubject: hi\n\nbody\n' \
    >"$tmp/marked.eml"
smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" <"$tmp/plain.eml" \
    >"$tmp/signed.eml"
smime-encrypt -r "$pki/alice.pem" <"$tmp/plain.eml" >"$tmp/enc.eml"
for f in plain marked signed enc; do
	cp "$tmp/$f.eml" "$tmp/$f.orig"
done

# config_first NAME CODE MSG CMD: CMD exits CODE on MSG (a file on stdin)
# without writing, and leaves MSG as it was; fed from a pipe, it reads it
# to the end (the writer is not killed) and still exits CODE.
config_first() {
	expect_code "$1: $2" "$2" "$4 <\"$tmp/$3.eml\" >\"$tmp/out\""
	check_eq "$1: nothing on stdout" "$(wc -c <"$tmp/out")" 0
	check_same "$1: the caller's copy is intact" "$tmp/$3.eml" \
	    "$tmp/$3.orig"
	expect_code "$1: stdin read to its end" 0 \
	    "{ cat \"$tmp/$3.eml\"; head -c 300000 /dev/zero; echo \$? >\"$tmp/w\"; } | { $4 >/dev/null; echo \$? >\"$tmp/rc\"; }; test \"\$(cat \"$tmp/w\") \$(cat \"$tmp/rc\")\" = \"0 $2\""
}

config_first 'verify --ca missing, unsigned' 66 plain \
    'smime-verify --ca "$tmp/nonexistent"'
config_first 'verify --ca missing, signed' 66 signed \
    'smime-verify --ca "$tmp/nonexistent"'
config_first 'decrypt -k missing, plain' 66 plain \
    'smime-decrypt -k "$tmp/nonexistent" -c "$pki/alice.pem"'
config_first 'decrypt -k readable by others, plain' 77 plain \
    'smime-decrypt -k "$tmp/open.key" -c "$pki/alice.pem"'
config_first 'sign -p wrong passphrase' 77 plain \
    'smime-sign -p "$tmp/alice.p12" --passin pass:wrong'
config_first 'encrypt -r missing, marked SMIME-Encrypt: no' 66 marked \
    'smime-encrypt -r "$tmp/nonexistent.pem"'
config_first 'encrypt -t without a store, marked SMIME-Encrypt: no' 78 marked \
    'smime-encrypt -S "$tmp/nowhere" -t bob@example.com'
# A -r file that holds no certificate is what it was after reading: 65.
config_first 'encrypt -r not a certificate, marked SMIME-Encrypt: no' 65 \
    marked 'smime-encrypt -r "$tmp/notacert.pem"'

# The same failure on every message: the encrypted one too.
expect_code 'decrypt -k missing, encrypted: 66' 66 \
    'smime-decrypt -k "$tmp/nonexistent" -c "$pki/alice.pem" <"$tmp/enc.eml"'

# --on-error=tempfail: every operational failure is 75, whatever the
# message.
expect_code 'tempfail: verify --ca missing, unsigned: 75' 75 \
    'smime-verify --on-error=tempfail --ca "$tmp/nonexistent" <"$tmp/plain.eml"'
expect_code 'tempfail: decrypt -k readable by others, plain: 75' 75 \
    'smime-decrypt --on-error=tempfail -k "$tmp/open.key" -c "$pki/alice.pem" <"$tmp/plain.eml"'
expect_code 'tempfail: encrypt -t without a store, marked: 75' 75 \
    'smime-encrypt --on-error=tempfail -S "$tmp/nowhere" -t bob@example.com <"$tmp/marked.eml"'
check_eq 'tempfail: nothing on stdout' "$(wc -c <"$tmp/.out")" 0

done_testing
