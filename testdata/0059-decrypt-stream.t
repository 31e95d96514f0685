#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# smime-decrypt decrypts as the ciphertext arrives when a key of ours
# matches the RecipientInfos that precede it, and takes the verdict from
# the whole structure at the end; otherwise it spools the ciphertext and
# decides at the end.  Either way:
#  - an AuthEnvelopedData's tag (after the content) is checked: a changed
#    mac or ciphertext byte gives result=fail and no plaintext;
#  - a key's passphrase is read once (--passin fd: gives it once);
#  - the store's identity, -p, a second RecipientInfo, a pipe: pass.
. "$(dirname "$0")/lib.sh"
plan 22

pki=$testdir/pki
private_keys alice bob
dec="-k $tmp/alice.key -c $pki/alice.pem"
printf 'Content-Type: text/plain\n\nthe secret plaintext\n' >"$tmp/inner"
# wrap DER SMIME-TYPE: a message around a CMS object.
wrap() {
	printf 'From: bob@example.com\nTo: alice@example.com\nMIME-Version: 1.0\nContent-Type: application/pkcs7-mime; smime-type=%s; name=smime.p7m\nContent-Transfer-Encoding: base64\n\n' "$2"
	openssl base64 -in "$1"
}
# flip DER OFFSET-FROM-END: one byte changed.
flip() {
	python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[len(d) - int(sys.argv[2])] ^= 1
open(sys.argv[1], "wb").write(d)' "$1" "$2"
}
# DER with definite lengths: the mac is its last 16 bytes.
openssl cms -encrypt -aes-256-gcm -binary -outform DER -in "$tmp/inner" \
    -out "$tmp/g.der" "$pki/alice.pem"
wrap "$tmp/g.der" authEnveloped-data >"$tmp/g.eml"
ok 'GCM: decrypts' 'smime-decrypt $dec <"$tmp/g.eml" >"$tmp/g.out"'
check_grep 'GCM: pass' 'result=pass; cipher=aes-256-gcm;' "$tmp/g.out"
check_grep 'GCM: the plaintext' '^the secret plaintext' "$tmp/g.out"

cp "$tmp/g.der" "$tmp/m.der"
flip "$tmp/m.der" 1
wrap "$tmp/m.der" authEnveloped-data >"$tmp/m.eml"
ok 'GCM, the last mac byte changed: exit 0' 'smime-decrypt $dec <"$tmp/m.eml" >"$tmp/m.out"'
check_grep 'GCM, mac changed: fail (cannot decrypt)' 'result=fail \(cannot decrypt\)' "$tmp/m.out"
check_nogrep 'GCM, mac changed: no plaintext' 'secret' "$tmp/m.out"
check_grep 'GCM, mac changed: the message as it came' '^Content-Type: application/pkcs7-mime' "$tmp/m.out"

cp "$tmp/g.der" "$tmp/c.der"
flip "$tmp/c.der" 30	# in the ciphertext, just before the mac
wrap "$tmp/c.der" authEnveloped-data >"$tmp/c.eml"
ok 'GCM, a ciphertext byte changed: exit 0' 'smime-decrypt $dec <"$tmp/c.eml" >"$tmp/c.out"'
check_grep 'GCM, ciphertext changed: fail (cannot decrypt)' 'result=fail \(cannot decrypt\)' "$tmp/c.out"
check_nogrep 'GCM, ciphertext changed: no plaintext' 'secret\|plaintext' "$tmp/c.out"

# Through a pipe (nothing can be read twice), and the streamed BER of
# our own smime-encrypt.
printf 'From: a@example.com\nTo: alice@example.com\n\nthe secret plaintext\n' |
    smime-encrypt --cipher aes-128-gcm -r "$pki/alice.pem" >"$tmp/s.eml"
ok 'a pipe in: decrypts' 'cat "$tmp/s.eml" | smime-decrypt $dec >"$tmp/s.out"'
check_grep 'a pipe in: the plaintext' '^the secret plaintext' "$tmp/s.out"

# Two recipients, ours second.
openssl cms -encrypt -aes-256-cbc -binary -outform DER -in "$tmp/inner" \
    -out "$tmp/two.der" "$pki/bob.pem" "$pki/alice.pem"
wrap "$tmp/two.der" enveloped-data >"$tmp/two.eml"
ok 'ours the second RecipientInfo: decrypts' 'smime-decrypt $dec <"$tmp/two.eml" >"$tmp/two.out"'
check_grep 'ours the second: pass' 'result=pass; cipher=aes-256-cbc' "$tmp/two.out"

# Not ours: the ciphertext is spooled, the answer the same as ever.
openssl cms -encrypt -aes-256-cbc -binary -outform DER -in "$tmp/inner" \
    -out "$tmp/bob.der" "$pki/bob.pem"
wrap "$tmp/bob.der" enveloped-data >"$tmp/bob.eml"
ok 'not ours: exit 0' 'smime-decrypt $dec <"$tmp/bob.eml" >"$tmp/bob.out"'
check_grep 'not ours: no matching key' 'result=fail \(no matching key\)' "$tmp/bob.out"

# The passphrase is read once: fd 3 gives it once.
openssl pkcs12 -export -inkey "$tmp/alice.key" -in "$pki/alice.pem" \
    -passout pass:onlyonce -out "$tmp/a.p12" 2>/dev/null
chmod 600 "$tmp/a.p12"
echo onlyonce >"$tmp/pw"
ok '-p, --passin fd:3: decrypts' \
    'smime-decrypt -p "$tmp/a.p12" --passin fd:3 3<"$tmp/pw" <"$tmp/g.eml" >"$tmp/p.out"'
check_grep '-p: pass' 'result=pass' "$tmp/p.out"
ok '-p, a changed mac: the passphrase read once still (exit 0)' \
    'smime-decrypt -p "$tmp/a.p12" --passin fd:3 3<"$tmp/pw" <"$tmp/m.eml" >"$tmp/p2.out"'
check_grep '-p, a changed mac: fail' 'result=fail \(cannot decrypt\)' "$tmp/p2.out"

# The store's identity, matched against the RecipientInfos.
certstore -S "$tmp/st" init
certstore -S "$tmp/st" identity add -p "$tmp/a.p12" --passin pass:onlyonce
ok 'the store identity: decrypts' \
    'smime-decrypt -S "$tmp/st" --passin fd:3 3<"$tmp/pw" <"$tmp/two.eml" >"$tmp/st.out"'
check_grep 'the store identity: pass' 'result=pass' "$tmp/st.out"

done_testing
