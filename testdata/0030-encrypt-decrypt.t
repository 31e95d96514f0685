#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# smime-encrypt and smime-decrypt: the header that stays outside, round
# trips byte-exact, ciphers (auto from the store's capabilities), keys
# from the command line and the store, failing closed on a missing
# certificate, and what OpenSSL 3.0 does not check: a tampered GCM
# message gives no plaintext, a cipher swapped for OFB and a 1-byte tag
# are refused, CBC is refused under --require-integrity.
. "$(dirname "$0")/lib.sh"
plan 90

pki=$testdir/pki
private_keys alice bob carol helpdesk
A="-k $tmp/alice.key -c $pki/alice.pem"

# The message: routing and threading fields, a Bcc, Content-* last.
cat >"$tmp/m.eml" <<'EOF'
From: Bob <bob@example.com>
To: Alice <alice@example.com>
Bcc: hidden@example.com
Subject: the plan
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <plan@example.com>
In-Reply-To: <q@example.com>
References: <q@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

the secret line
second line
EOF
grep -v '^Bcc:' "$tmp/m.eml" >"$tmp/m.nobcc"

ok 'encrypt -r' 'smime-encrypt -r "$pki/alice.pem" <"$tmp/m.eml" >"$tmp/e.eml"'
hdr "$tmp/e.eml" >"$tmp/e.hdr"
for f in From To Subject Date Message-ID In-Reply-To References MIME-Version; do
	check_grep "outer header keeps $f" "^$f: " "$tmp/e.hdr"
done
check_nogrep 'Bcc never appears' 'hidden@example.com' "$tmp/e.eml"
check_nogrep 'the plaintext does not' 'secret line' "$tmp/e.eml"
check_grep 'application/pkcs7-mime, enveloped-data (auto with -r: CBC)' \
    '^Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m$' "$tmp/e.hdr"
check_grep 'base64' '^Content-Transfer-Encoding: base64$' "$tmp/e.hdr"
check_nogrep 'the old Content-Type is not outside' 'charset=utf-8' "$tmp/e.hdr"

ok 'decrypt -k -c' 'smime-decrypt $A <"$tmp/e.eml" >"$tmp/d.eml"'
check_eq 'SMIME-Decrypt: pass, CBC, no integrity' "$(dres "$tmp/d.eml")" \
    'mx.example.org; result=pass; cipher=aes-256-cbc; integrity=none; recipient=sha256:X'
check_eq 'the recipient is the fingerprint of the certificate used' \
    "$(grep -o 'sha256:[0-9a-f]*' "$tmp/d.eml")" \
    "sha256:$(openssl x509 -in "$pki/alice.pem" -outform DER | sha256sum | cut -c1-64)"
undres "$tmp/d.eml" >"$tmp/d.rest"
check_same 'round trip: the message byte-exact, but for Bcc' "$tmp/d.rest" "$tmp/m.nobcc"

crlf "$tmp/m.eml" >"$tmp/mc.eml"
crlf "$tmp/m.nobcc" >"$tmp/mc.nobcc"
smime-encrypt -r "$pki/alice.pem" <"$tmp/mc.eml" >"$tmp/ec.eml"
check_eq 'CRLF in, CRLF out' "$(grep -c "$(printf '\r')\$" "$tmp/ec.eml")" "$(grep -c '' "$tmp/ec.eml")"
smime-decrypt $A <"$tmp/ec.eml" >"$tmp/dc.eml"
undres "$tmp/dc.eml" >"$tmp/dc.rest"
check_same 'CRLF round trip byte-exact' "$tmp/dc.rest" "$tmp/mc.nobcc"

# Every cipher, RSA PKCS#1 v1.5 and OAEP, EC (carol), several recipients.
for c in aes-128-cbc aes-256-cbc aes-128-gcm aes-256-gcm; do
	case $c in *gcm) t=authEnveloped-data i=authenticated ;; *) t=enveloped-data i=none ;; esac
	smime-encrypt --cipher $c --oaep -r "$pki/alice.pem" -r "$pki/carol.pem" \
	    <"$tmp/m.eml" >"$tmp/e.eml"
	check_grep "$c: smime-type=$t" "smime-type=$t;" "$tmp/e.eml"
	smime-decrypt $A <"$tmp/e.eml" >"$tmp/d.eml"
	check_eq "$c: alice (RSA-OAEP) decrypts" "$(dres "$tmp/d.eml" | sed 's/; recip.*//')" \
	    "mx.example.org; result=pass; cipher=$c; integrity=$i"
	smime-decrypt -k "$tmp/carol.key" -c "$pki/carol.pem" <"$tmp/e.eml" >"$tmp/d.eml"
	undres "$tmp/d.eml" >"$tmp/d.rest"
	check_same "$c: carol (ECDH) decrypts byte-exact" "$tmp/d.rest" "$tmp/m.nobcc"
done

# Failing closed.
expect_code 'wrong key: exit 0' 0 \
    'smime-decrypt -k "$tmp/bob.key" -c "$pki/bob.pem" <"$tmp/e.eml" >"$tmp/d.eml"'
check_eq 'wrong key: result=fail (no matching key)' "$(dres "$tmp/d.eml")" \
    'mx.example.org; result=fail (no matching key)'
undres "$tmp/d.eml" >"$tmp/d.rest"
check_same 'wrong key: the message passes through as it came' "$tmp/d.rest" "$tmp/e.eml"
expect_code 'wrong key, --strict: 1' 1 \
    'smime-decrypt -s -k "$tmp/bob.key" -c "$pki/bob.pem" <"$tmp/e.eml"'
expect_code '-k and -c that do not match: a bad configuration, 78' 78 \
    'smime-decrypt -k "$tmp/bob.key" -c "$pki/carol.pem" <"$tmp/e.eml"'

# A tampered GCM message: not one byte of plaintext out.  The body is
# large enough that OpenSSL would have streamed some before the tag.
{ sed '/^$/q' "$tmp/m.eml"; i=0; while [ $i -lt 2000 ]; do echo "the secret line $i"; i=$((i + 1)); done; } >"$tmp/big.eml"
smime-encrypt --cipher aes-256-gcm -r "$pki/alice.pem" <"$tmp/big.eml" >"$tmp/g.eml"
body "$tmp/g.eml" | openssl base64 -d -A 2>/dev/null >/dev/null
body "$tmp/g.eml" | tr -d '\n' | openssl base64 -d -A >"$tmp/g.der"
size=$(wc -c <"$tmp/g.der")
# flip one byte in the middle of the ciphertext
perl -0777 -pe 'substr($_, int(length($_) / 2), 1) ^= "\x01"' "$tmp/g.der" >"$tmp/g2.der"
{ hdr "$tmp/g.eml"; openssl base64 -in "$tmp/g2.der"; } >"$tmp/g2.eml"
expect_code 'tampered GCM: exit 0' 0 'smime-decrypt $A <"$tmp/g2.eml" >"$tmp/d.eml"'
check_eq 'tampered GCM: result=fail (cannot decrypt)' "$(dres "$tmp/d.eml")" \
    'mx.example.org; result=fail (cannot decrypt)'
check_nogrep 'tampered GCM: not one byte of the plaintext' 'secret' "$tmp/d.eml"
undres "$tmp/d.eml" >"$tmp/d.rest"
check_same 'tampered GCM: the message passes through as it came' "$tmp/d.rest" "$tmp/g2.eml"

# CBC tampered in its last block (padding): the same words.  The block
# decrypts to noise, whose last byte is a valid padding one time in 256:
# OpenSSL picks a change that leaves a bad padding.
smime-encrypt --cipher aes-256-cbc -r "$pki/alice.pem" <"$tmp/big.eml" >"$tmp/c.eml"
body "$tmp/c.eml" | tr -d '\n' | openssl base64 -d -A >"$tmp/c.der"
for x in 5a 5b 5c 5d 5e 5f; do
	X=$x perl -0777 -pe 's/(.{20})(\x00\x00(?:\x00\x00)+)\z/substr($1,0,19) . (substr($1,19,1) ^ chr(hex($ENV{X}))) . $2/se' \
	    "$tmp/c.der" >"$tmp/c2.der"
	openssl cms -decrypt -inform DER -in "$tmp/c2.der" \
	    -inkey "$tmp/alice.key" -recip "$pki/alice.pem" -out /dev/null \
	    2>/dev/null || break
done
{ hdr "$tmp/c.eml"; openssl base64 -in "$tmp/c2.der"; } >"$tmp/c2.eml"
smime-decrypt $A <"$tmp/c2.eml" >"$tmp/d.eml"
check_eq 'CBC with a bad padding: the same words' "$(dres "$tmp/d.eml")" \
    'mx.example.org; result=fail (cannot decrypt)'
check_nogrep 'CBC with a bad padding: no plaintext' 'secret' "$tmp/d.eml"

# --require-integrity refuses CBC before any key is used.
smime-decrypt --require-integrity $A <"$tmp/c.eml" >"$tmp/d.eml"
check_eq '--require-integrity: CBC fails' "$(dres "$tmp/d.eml")" \
    'mx.example.org; result=fail (integrity required)'
smime-decrypt --require-integrity $A <"$tmp/g.eml" >"$tmp/d.eml"
check_grep '--require-integrity: GCM passes' 'result=pass' "$tmp/d.eml"

# What OpenSSL 3.0.19 takes and we do not.  The AlgorithmIdentifier
# AES-256-GCM {nonce, icvLen 16} made AES-256-OFB (...1.43) with an IV:
# the nonce and GCM's first counter (its parents have indefinite lengths).
perl -0777 -pe 's/\x30\x1e\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2e\x30\x11\x04\x0c(.{12})\x02\x01\x10/\x30\x1d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2b\x04\x10$1\x00\x00\x00\x02/s' "$tmp/g.der" >"$tmp/ofb.der"
check_eq 'the OFB structure is one byte shorter' \
    "$(($(wc -c <"$tmp/g.der") - $(wc -c <"$tmp/ofb.der")))" 1
{ hdr "$tmp/g.eml"; openssl base64 -in "$tmp/ofb.der"; } >"$tmp/ofb.eml"
check_eq 'cipher swapped for OFB: openssl cms decrypts it (the hole)' \
    "$(openssl cms -decrypt -inform DER -in "$tmp/ofb.der" -inkey "$tmp/alice.key" -recip "$pki/alice.pem" 2>/dev/null >/dev/null; echo $?)" 0
smime-decrypt $A <"$tmp/ofb.eml" >"$tmp/d.eml"
check_eq 'cipher swapped for OFB: refused' "$(dres "$tmp/d.eml")" \
    'mx.example.org; result=fail (cipher not allowed)'
check_nogrep 'OFB: no plaintext' 'secret' "$tmp/d.eml"
# The 16-byte mac cut to 1 byte (its parents have indefinite lengths).
perl -0777 -pe 's/\x04\x10(.)(.{15})((?:\x00\x00)+)\z/\x04\x01$1$3/s' "$tmp/g.der" >"$tmp/tag1.der"
check_eq 'the 1-byte tag: the file is 15 bytes shorter' \
    "$(($(wc -c <"$tmp/g.der") - $(wc -c <"$tmp/tag1.der")))" 15
{ hdr "$tmp/g.eml"; openssl base64 -in "$tmp/tag1.der"; } >"$tmp/tag1.eml"
smime-decrypt $A <"$tmp/tag1.eml" >"$tmp/d.eml"
check_eq 'a 1-byte tag: refused' "$(dres "$tmp/d.eml")" \
    'mx.example.org; result=fail (cipher not allowed)'

# Forged SMIME-Decrypt fields, outside and inside the encryption, go.
# (openssl cms -encrypt takes the entity as it is, forged field and all.)
printf 'SMIME-Decrypt: mx.example.org; result=pass\nContent-Type: text/plain\n\nhi\n' |
    openssl cms -encrypt -aes256 "$pki/alice.pem" >"$tmp/f.ent"
{ printf 'SMIME-Decrypt: mx.example.org; result=pass\nFrom: x@example.com\n'; cat "$tmp/f.ent"; } >"$tmp/f.eml"
check_eq 'a forged field outside' "$(grep -c '^SMIME-Decrypt' "$tmp/f.eml")" 1
smime-decrypt $A <"$tmp/f.eml" >"$tmp/d.eml"
check_eq 'only ours is left, outside and inside' "$(grep -c '^SMIME-Decrypt' "$tmp/d.eml")" 1

# The store: recipients by address, capabilities choose the cipher, keys.
S="-S $tmp/store"
ca="--no-system-ca --ca $pki/root-ca.pem"
certstore $S init
printf 'From: alice@example.com\nTo: bob@example.com\nSubject: hi\n\nhi\n' |
    smime-sign -p "$tmp/alice.p12" --passin pass:test | smime-verify $S $ca --import >/dev/null
certstore $S $ca add "$pki/carol.pem"
ok 'encrypt to the To address from the store' \
    'smime-encrypt $S <"$tmp/m.nobcc" >"$tmp/e.eml"'
check_grep 'auto: alice said AES-256-GCM in her signature' 'smime-type=authEnveloped-data' "$tmp/e.eml"
smime-encrypt $S -t alice@example.com -t carol@example.com <"$tmp/m.eml" >"$tmp/e2.eml"
check_grep '-t instead of the header: Bcc has no say' '^Content-Type: application/pkcs7-mime' "$tmp/e2.eml"
check_grep 'auto: carol never said so: AES-256-CBC' 'smime-type=enveloped-data' "$tmp/e2.eml"
printf 'From: bob@example.com\nTo: alice@example.com, dan@example.com\nCc: erin@example.com\n\nhi\n' >"$tmp/m2.eml"
expect_code '--missing=fail: 67' 67 'smime-encrypt $S <"$tmp/m2.eml" >"$tmp/out"'
check_eq '--missing=fail: nothing on stdout' "$(wc -c <"$tmp/out")" 0
check_grep '--missing=fail: names each address without a certificate' \
    'no usable certificate for dan@example.com, erin@example.com' "$tmp/.err"
# 60 unknown addresses (over any fixed buffer): every one named.
{ printf 'From: bob@example.com\nTo: '
  i=1; while [ $i -le 60 ]; do printf 'someone-with-a-long-name-%02d@example.com, ' $i; i=$((i + 1)); done
  printf 'last@example.com\n\nhi\n'; } >"$tmp/m60.eml"
expect_code '--missing=fail, 61 addresses: 67' 67 'smime-encrypt $S <"$tmp/m60.eml" >"$tmp/out"'
check_eq '--missing=fail: all 61 named' \
    "$(tr ',' '\n' <"$tmp/.err" | grep -c '@example.com')" 61
check_grep '--missing=fail: the last one too, whole' 'last@example\.com: nothing sent' "$tmp/.err"
# An unusable -r certificate is as good as none: --missing decides.
expect_code '-r expired, --missing=fail: 67' 67 \
    'smime-encrypt -r "$pki/expired.pem" <"$tmp/m2.eml" >"$tmp/out"'
check_grep '-r expired: named, with why' 'expired\.pem .expired.' "$tmp/.err"
check_eq '-r expired: nothing on stdout' "$(wc -c <"$tmp/out")" 0
ok '-r expired, --missing=plain: 0' \
    'smime-encrypt --missing=plain -r "$pki/expired.pem" <"$tmp/m2.eml" >"$tmp/out"'
check_same '-r expired, --missing=plain: unencrypted' "$tmp/out" "$tmp/m2.eml"
expect_code '-r usable and -r expired, --missing=fail: 67' 67 \
    'smime-encrypt -r "$pki/alice.pem" -r "$pki/noemailprot.pem" <"$tmp/m2.eml" >"$tmp/out"'
check_grep '-r noemailprot: named, with why' 'not for e-mail protection' "$tmp/.err"
ok '--missing=plain' 'smime-encrypt $S --missing=plain <"$tmp/m2.eml" >"$tmp/out"'
check_same '--missing=plain: the message unencrypted' "$tmp/out" "$tmp/m2.eml"
check_grep '--missing=plain: says so' 'passed through unencrypted' "$tmp/.err"
printf 'SMIME-Encrypt: no\n' | cat - "$tmp/m2.eml" >"$tmp/no.eml"
ok 'SMIME-Encrypt: no' 'smime-encrypt $S <"$tmp/no.eml" >"$tmp/out"'
check_same 'SMIME-Encrypt: no: through, the control field gone' "$tmp/out" "$tmp/m2.eml"

certstore $S identity add -p "$tmp/alice.p12" --passin pass:test
certstore $S identity add -p "$tmp/helpdesk.p12" --passin pass:test
ok 'decrypt with the store identity the RecipientInfo names' \
    'smime-decrypt $S --passin pass:test <"$tmp/e.eml" >"$tmp/d.eml"'
check_grep 'the store: pass' 'result=pass' "$tmp/d.eml"
smime-decrypt $S --as alice@example.com --passin pass:test <"$tmp/e.eml" >"$tmp/d.eml"
check_grep '--as alice: pass' 'result=pass' "$tmp/d.eml"
smime-decrypt $S --as help@example.org --passin pass:test <"$tmp/e.eml" >"$tmp/d.eml"
check_grep '--as help desk: no matching key' 'result=fail \(no matching key\)' "$tmp/d.eml"
ok '--as: encrypt to ourselves too' \
    'smime-encrypt $S --as help@example.org <"$tmp/m.nobcc" >"$tmp/e3.eml"'
smime-decrypt $S --as help@example.org --passin pass:test <"$tmp/e3.eml" >"$tmp/d.eml"
check_grep '--as: the sent copy is readable by us' 'result=pass' "$tmp/d.eml"

printf 'From: Help <help@example.org>\nTo: alice@example.com\n\nreply\n' >"$tmp/r.eml"
ok '--self: the identity of the From address' \
    'smime-encrypt $S --self <"$tmp/r.eml" >"$tmp/e4.eml"'
smime-decrypt $S --as help@example.org --passin pass:test <"$tmp/e4.eml" >"$tmp/d.eml"
check_grep '--self: readable by us' 'result=pass' "$tmp/d.eml"
printf 'From: nobody@example.org\nTo: alice@example.com\n\nreply\n' |
    smime-encrypt $S --self >"$tmp/out" 2>"$tmp/err"
check_eq '--self without an identity for From: 78, nothing written' "$?:$(wc -c <"$tmp/out")" 78:0

# A bare CMS file (DER), as a .p7m attachment saved to disk.
printf 'Content-Type: text/plain\n\nfile contents\n' |
    openssl cms -encrypt -aes-256-gcm -outform DER "$pki/alice.pem" >"$tmp/bare.p7m"
ok 'bare CMS: decrypted' 'smime-decrypt $A <"$tmp/bare.p7m" >"$tmp/d.eml"'
check_eq 'bare CMS: the entity under our field' "$(undres "$tmp/d.eml" | tr -d '\r')" \
    "Content-Type: text/plain

file contents"
expect_code 'bare CMS, no key for it: 65' 65 \
    'smime-decrypt -k "$tmp/bob.key" -c "$pki/bob.pem" <"$tmp/bare.p7m"'
printf 'Content-Type: text/plain\n\nfile contents\n' |
    openssl cms -encrypt -aes-128-cbc -outform PEM "$pki/alice.pem" >"$tmp/bare.pem"
smime-decrypt $A <"$tmp/bare.pem" >"$tmp/d.eml"
check_grep 'bare CMS in PEM: decrypted' 'result=pass; cipher=aes-128-cbc' "$tmp/d.eml"
# openssl cms -encrypt's default is 3DES: only with --allow-legacy.
printf 'Content-Type: text/plain\n\nold\n' | openssl cms -encrypt "$pki/alice.pem" >"$tmp/3des.eml"
smime-decrypt $A <"$tmp/3des.eml" >"$tmp/d.eml"
check_grep '3DES: cipher not allowed' 'result=fail \(cipher not allowed\)' "$tmp/d.eml"
smime-decrypt --allow-legacy $A <"$tmp/3des.eml" >"$tmp/d.eml"
check_grep '3DES with --allow-legacy: pass' 'result=pass; cipher=des-ede3-cbc' "$tmp/d.eml"

done_testing
