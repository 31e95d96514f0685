#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# smime-encrypt to X25519 and X448 certificates (RFC 8418) and with
# ChaCha20-Poly1305 (RFC 8103), read back by readers that are not ours:
# cms-decrypt.py (python3-cryptography over a BER walk of its own) for
# X25519, X448 and ChaCha20, openssl cms -decrypt for the RSA and P-256
# recipients of the same messages; and by our smime-decrypt.  Dana is RFC 9216's X25519 sample
# (the LAMPS examples' key); the X448 and hostile certificates are made
# here under the test sub CA.
. "$(dirname "$0")/lib.sh"
plan 71

pki=$testdir/pki
lamps=$corpus/lamps-examples-cms/certs-and-keys
dana=$lamps/lamps-dana.encrypt.crt
danakey=$lamps/lamps-dana.decrypt.p8.pem
reader="python3 $testdir/cms-decrypt.py"
cp "$danakey" "$tmp/dana.key" && chmod 600 "$tmp/dana.key"
private_keys carol

# ours FILE KEY CERT: smime-decrypt's result and cipher, and whether the
# body came back ("pass aes-256-gcm same").
ours() {
	smime-decrypt -k "$2" -c "$3" <"$1" >"$tmp/o.eml" 2>"$tmp/o.err"
	r=$(tr -d '\n\t' <"$tmp/o.eml" | sed -n 's/.*result=\([a-z]*\); cipher=\([a-z0-9-]*\);.*/\1 \2/p')
	b=$(sed '1,/^$/d' "$tmp/o.eml" | cmp -s - "$tmp/body" && echo same)
	echo "$r $b"
}
printf 'line one\nline two\n' >"$tmp/body"

printf 'From: alice@example.com\nTo: bob@example.com\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\nline one\nline two\n' >"$tmp/m.eml"
# What goes into the CMS: the Content-* fields and the body, in CRLF.
printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nline one\r\nline two\r\n' >"$tmp/entity"

# der FILE.eml: the DER of the encrypted body, on stdout.
der() {
	sed '1,/^\r*$/d' "$1" | tr -d '\r' | base64 -d
}

# cert NAME KEYFILE KU: a certificate for NAME@example.com with the
# public key of KEYFILE (any type: the request is signed by carol's key)
# from the test sub CA.
cert() {
	printf 'subjectAltName=email:%s@example.com\nkeyUsage=critical,%s\nextendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' \
	    "$1" "$3" >"$tmp/$1.ext"
	openssl req -new -key "$pki/carol.key" -subj "/O=smimetools test/CN=$1" \
	    -out "$tmp/$1.csr" 2>/dev/null
	# A private key's public half, or a public key as it is.
	openssl pkey -in "$2" -pubout -out "$tmp/$1.pub" 2>/dev/null ||
	    cp "$2" "$tmp/$1.pub"
	openssl x509 -req -in "$tmp/$1.csr" -force_pubkey "$tmp/$1.pub" \
	    -CA "$pki/sub-ca.pem" -CAkey "$pki/sub-ca.key" -set_serial "0x$4" \
	    -days 3650 -extfile "$tmp/$1.ext" -out "$tmp/$1.pem" 2>/dev/null
}

openssl genpkey -algorithm X448 -out "$tmp/xena.key" 2>/dev/null
cert xena "$tmp/xena.key" keyAgreement 7001
openssl genpkey -algorithm X25519 -out "$tmp/xavier.key" 2>/dev/null
cert xavier "$tmp/xavier.key" keyAgreement 7002

# To Dana, each cipher: the structure RFC 8418 gives, the entity back.
for c in aes-128-cbc aes-256-cbc aes-128-gcm aes-256-gcm chacha20-poly1305; do
	ok "$c to X25519: encrypted" \
	    'smime-encrypt --cipher $c -r "$dana" <"$tmp/m.eml" >"$tmp/e.eml"'
	case $c in
	*cbc)	t=enveloped-data ;;
	*)	t=authEnveloped-data ;;
	esac
	check_grep "$c to X25519: smime-type=$t" "smime-type=$t;" "$tmp/e.eml"
	der "$tmp/e.eml" >"$tmp/e.der"
	$reader "$danakey" "$dana" <"$tmp/e.der" >"$tmp/d" 2>"$tmp/found"
	check_same "$c to X25519: Dana's key gives the entity back" "$tmp/d" "$tmp/entity"
	check_eq "$c to X25519: originatorKey, HKDF-SHA256, AES-256 wrap, no ukm" \
	    "$(cat "$tmp/found")" \
	    "kari=X25519 kdf=hkdf-sha256 wrap=aes256-wrap ukm=no cipher=$c"
	check_eq "$c to X25519: smime-decrypt reads it" \
	    "$(ours "$tmp/e.eml" "$tmp/dana.key" "$dana")" "pass $c same"
done

# X448 (RFC 8418 too).
ok 'X448: encrypted' \
    'smime-encrypt --cipher aes-256-gcm -r "$tmp/xena.pem" <"$tmp/m.eml" >"$tmp/e.eml"'
der "$tmp/e.eml" >"$tmp/e.der"
$reader "$tmp/xena.key" "$tmp/xena.pem" <"$tmp/e.der" >"$tmp/d" 2>"$tmp/found"
check_same 'X448: the entity back' "$tmp/d" "$tmp/entity"
check_eq 'X448: originatorKey id-X448, HKDF-SHA256' "$(cat "$tmp/found")" \
    'kari=X448 kdf=hkdf-sha256 wrap=aes256-wrap ukm=no cipher=aes-256-gcm'
chmod 600 "$tmp/xena.key"
check_eq 'X448: smime-decrypt reads it' \
    "$(ours "$tmp/e.eml" "$tmp/xena.key" "$tmp/xena.pem")" 'pass aes-256-gcm same'

# Two X25519 recipients and one X448: one ephemeral key per key type,
# each recipient decrypts.
ok 'X25519, X25519, X448: encrypted' \
    'smime-encrypt -r "$dana" -r "$tmp/xena.pem" -r "$tmp/xavier.pem" <"$tmp/m.eml" >"$tmp/e.eml"'
der "$tmp/e.eml" >"$tmp/e.der"
openssl asn1parse -inform DER -in "$tmp/e.der" >"$tmp/parse" 2>&1
check_eq 'one X25519 originatorKey for both X25519 recipients' \
    "$(grep -c ':X25519 *$' "$tmp/parse")" 1
check_eq 'one X448 originatorKey' "$(grep -c ':X448 *$' "$tmp/parse")" 1
$reader "$danakey" "$dana" <"$tmp/e.der" >"$tmp/d" 2>"$tmp/found"
check_same 'Dana decrypts' "$tmp/d" "$tmp/entity"
$reader "$tmp/xavier.key" "$tmp/xavier.pem" <"$tmp/e.der" >"$tmp/d" 2>"$tmp/found"
check_same 'the second X25519 recipient decrypts' "$tmp/d" "$tmp/entity"
$reader "$tmp/xena.key" "$tmp/xena.pem" <"$tmp/e.der" >"$tmp/d" 2>"$tmp/found"
check_same 'the X448 recipient decrypts' "$tmp/d" "$tmp/entity"
smime-encrypt -r "$dana" <"$tmp/m.eml" | der /dev/stdin |
    openssl asn1parse -inform DER -dump 2>&1 | grep -A3 ':X25519 *$' >"$tmp/k1"
smime-encrypt -r "$dana" <"$tmp/m.eml" | der /dev/stdin |
    openssl asn1parse -inform DER -dump 2>&1 | grep -A3 ':X25519 *$' >"$tmp/k2"
[ -s "$tmp/k1" ] && ! cmp -s "$tmp/k1" "$tmp/k2"
_report $? 'a new ephemeral key for every message'

# ChaCha20-Poly1305 to RSA: PKCS#1 v1.5 and OAEP.
for oaep in '' --oaep; do
	ok "chacha20-poly1305 to RSA $oaep: encrypted" \
	    'smime-encrypt --cipher chacha20-poly1305 $oaep -r "$pki/bob.pem" <"$tmp/m.eml" >"$tmp/e.eml"'
	der "$tmp/e.eml" >"$tmp/e.der"
	$reader "$pki/bob.key" "$pki/bob.pem" <"$tmp/e.der" >"$tmp/d" 2>"$tmp/found"
	check_same "chacha20-poly1305 to RSA $oaep: the entity back" "$tmp/d" "$tmp/entity"
	check_eq "chacha20-poly1305 to RSA $oaep: the key transport" \
	    "$(cat "$tmp/found")" \
	    "ktri=rsa${oaep:+-oaep} cipher=chacha20-poly1305"
done

# Mixed: RSA, X25519 and P-256 in one message, each reads it; the RSA and
# EC recipients with openssl cms -decrypt.
for c in aes-256-gcm aes-128-cbc; do
	ok "$c, RSA + X25519 + P-256: encrypted" \
	    'smime-encrypt --cipher $c -r "$pki/bob.pem" -r "$dana" -r "$pki/carol.pem" <"$tmp/m.eml" >"$tmp/e.eml"'
	der "$tmp/e.eml" >"$tmp/e.der"
	openssl cms -decrypt -inform DER -in "$tmp/e.der" -inkey "$pki/bob.key" \
	    -recip "$pki/bob.pem" -out "$tmp/d" 2>"$tmp/err"
	check_same "$c, mixed: openssl cms -decrypt for RSA, byte-exact" "$tmp/d" "$tmp/entity"
	openssl cms -decrypt -inform DER -in "$tmp/e.der" -inkey "$pki/carol.key" \
	    -recip "$pki/carol.pem" -out "$tmp/d" 2>"$tmp/err"
	check_same "$c, mixed: openssl cms -decrypt for P-256, byte-exact" "$tmp/d" "$tmp/entity"
	$reader "$danakey" "$dana" <"$tmp/e.der" >"$tmp/d" 2>"$tmp/found"
	check_same "$c, mixed: Dana (X25519)" "$tmp/d" "$tmp/entity"
done
ok 'chacha20-poly1305, RSA-OAEP + X25519 + P-256: encrypted' \
    'smime-encrypt --cipher chacha20-poly1305 --oaep -r "$pki/bob.pem" -r "$dana" -r "$pki/carol.pem" <"$tmp/m.eml" >"$tmp/e.eml"'
der "$tmp/e.eml" >"$tmp/e.der"
$reader "$pki/bob.key" "$pki/bob.pem" <"$tmp/e.der" >"$tmp/d" 2>"$tmp/found"
check_same 'chacha20-poly1305, mixed: the RSA recipient' "$tmp/d" "$tmp/entity"
$reader "$danakey" "$dana" <"$tmp/e.der" >"$tmp/d" 2>"$tmp/found"
check_same 'chacha20-poly1305, mixed: the X25519 recipient' "$tmp/d" "$tmp/entity"
# Neither openssl nor the python reader does EC with ChaCha20: ours.
check_eq 'chacha20-poly1305, mixed: smime-decrypt for P-256' \
    "$(ours "$tmp/e.eml" "$tmp/carol.key" "$pki/carol.pem")" \
    'pass chacha20-poly1305 same'
check_eq 'chacha20-poly1305, mixed: smime-decrypt for X25519' \
    "$(ours "$tmp/e.eml" "$tmp/dana.key" "$dana")" \
    'pass chacha20-poly1305 same'
# Messages that need neither X25519 nor ChaCha20 are CMS_encrypt's, as
# before (RSA + P-256): openssl reads them.
ok 'aes-256-gcm, RSA + P-256 (OpenSSL writes it)' \
    'smime-encrypt --cipher aes-256-gcm -r "$pki/bob.pem" -r "$pki/carol.pem" <"$tmp/m.eml" >"$tmp/e.eml"'
der "$tmp/e.eml" >"$tmp/e.der"
openssl cms -decrypt -inform DER -in "$tmp/e.der" -inkey "$pki/carol.key" \
    -recip "$pki/carol.pem" -out "$tmp/d" 2>"$tmp/err"
check_same 'RSA + P-256: P-256 decrypts' "$tmp/d" "$tmp/entity"

# --cipher auto, from what the store says each recipient announced
# (smime-encrypt(1)): AES-256-GCM first, then ChaCha20-Poly1305, else
# AES-256-CBC.
S="-S $tmp/store"
certstore $S init
certstore $S --no-system-ca \
    --ca "$corpus/rfc9216-certs/Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem" \
    add "$dana" >/dev/null
meta=$(ls "$tmp"/store/certs/*.meta)
printf 'From: alice@example.com\nTo: dana@smime.example\n\nhi\n' >"$tmp/d.eml"
auto() {	# CAPS: the cipher auto picks
	grep -v '^capabilities:' "$meta" >"$tmp/meta" && cp "$tmp/meta" "$meta"
	[ -n "$1" ] && echo "capabilities: $1" >>"$meta"
	smime-encrypt -v $S <"$tmp/d.eml" 2>&1 >/dev/null |
	    sed -n 's/.*encrypting with //p'
}
check_eq 'auto: nothing announced: AES-256-CBC' "$(auto '')" aes-256-cbc
check_eq 'auto: ChaCha20-Poly1305 announced, not AES-256-GCM: AES-256-CBC' \
    "$(auto 'chacha20-poly1305 aes-256-cbc')" aes-256-cbc
check_eq 'auto: both announced: AES-256-GCM' \
    "$(auto 'chacha20-poly1305 aes-256-gcm aes-256-cbc')" aes-256-gcm
auto 'chacha20-poly1305' >/dev/null
certstore $S --no-system-ca --ca "$pki/root-ca.pem" add "$pki/sub-ca.pem" "$pki/bob.pem" >/dev/null
ok 'auto: Dana announced ChaCha20, Bob nothing' \
    'smime-encrypt -v $S -t dana@smime.example -t bob@example.com <"$tmp/d.eml" >/dev/null'
check_grep 'auto: one recipient without it: AES-256-CBC' 'encrypting with aes-256-cbc' "$tmp/.err"

# Refused, nothing written (67): a low-order X25519 key (all-zero shared
# secret, RFC 7748 6), an X25519 key without keyAgreement, an Ed25519 one.
printf '%s\n' '-----BEGIN PUBLIC KEY-----' \
    "$( (printf '\060\052\060\005\006\003\053\145\156\003\041\000'; head -c 32 /dev/zero) | base64)" \
    '-----END PUBLIC KEY-----' >"$tmp/zero-key.pem"
cert zero "$tmp/zero-key.pem" keyAgreement 7003
expect_code 'a low-order X25519 key: 67' 67 \
    'smime-encrypt -r "$tmp/zero.pem" <"$tmp/m.eml" >"$tmp/out"'
check_eq 'a low-order X25519 key: nothing on stdout' "$(wc -c <"$tmp/out")" 0
cert nokeyag "$tmp/xavier.key" digitalSignature 7004
expect_code 'X25519 without keyAgreement: 67' 67 \
    'smime-encrypt -r "$tmp/nokeyag.pem" <"$tmp/m.eml" >"$tmp/out"'
check_grep 'X25519 without keyAgreement: why' 'key usage does not allow' "$tmp/.err"
expect_code 'an Ed25519 certificate: 67' 67 \
    'smime-encrypt -r "$lamps/lamps-carlos.crt" <"$tmp/m.eml" >"$tmp/out"'
check_grep 'an Ed25519 certificate: why' 'not an RSA, EC, X25519 or X448 key' "$tmp/.err"

# Streaming: 50 MB to X25519 with ChaCha20-Poly1305 in bounded memory.
{
	printf 'From: a@example.com\nSubject: big\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
	head -c 37748736 /dev/zero | base64
} >"$tmp/big.eml"
ok 'chacha20-poly1305 to X25519: 50 MB' \
    '/usr/bin/time -f %M -o "$tmp/rss" smime-encrypt --cipher chacha20-poly1305 -r "$dana" <"$tmp/big.eml" >"$tmp/e.eml"'
rss=$(cat "$tmp/rss")
echo "# peak RSS ${rss} KiB for $(wc -c <"$tmp/big.eml") bytes"
case ${SMIME_TEST_BUILD-} in
*-san)	skip '50 MB: peak RSS under 16 MiB' 'ASan shadow memory; asserted by the plain build' ;;
*)	[ "$rss" -lt 16384 ]
	_report $? '50 MB: peak RSS under 16 MiB' "peak RSS ${rss} KiB" ;;
esac
{
	printf 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
	sed '1,/^$/d; s/$/\r/' "$tmp/big.eml"
} >"$tmp/big.entity"
der "$tmp/e.eml" | $reader "$danakey" "$dana" >"$tmp/d" 2>"$tmp/found"
check_same '50 MB: Dana reads it back' "$tmp/d" "$tmp/big.entity"

done_testing
