#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# EdDSA in SignedData (RFC 8419): smime-sign with an Ed25519 key
# (SHA-512, PureEdDSA over the signed attributes, micalg=sha-512),
# detached and opaque; smime-verify of Ed25519 and Ed448 signers, alone
# and beside an RSA one.  OpenSSL 3.0's cms cannot check either, so the
# independent reader of our signatures is testdata/cms-ed.py (DER by hand,
# python3-cryptography's Ed25519), which also writes the messages we
# verify that our code cannot make: Ed448, no signed attributes, two
# signers, and the forgeries (S >= L, wrong lengths, digests and
# algorithm parameters, an Ed25519 signature by an RSA certificate).
# eddie (Ed25519) and edna (Ed448) are testdata/eddsa's; two more
# Ed25519 certificates are made here, by the test PKI's sub CA and by the
# rogue CA.
. "$(dirname "$0")/lib.sh"
plan 55

pki=$testdir/pki
x="python3 $testdir/cms-ed.py"
ca="--no-system-ca --ca $pki/root-ca.pem"
private_keys alice

# ee NAME ALG ADDR CA SERIAL: $tmp/NAME.key and NAME.pem, issued by CA.
ee() {
	openssl genpkey -algorithm "$2" -out "$tmp/$1.key" 2>/dev/null
	chmod 600 "$tmp/$1.key"
	cat >"$tmp/$1.cnf" <<EOF
[ee]
subjectAltName=email:$3
keyUsage=critical,digitalSignature,nonRepudiation
extendedKeyUsage=emailProtection
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
	openssl req -new -key "$tmp/$1.key" -subj "/O=smimetools test/CN=$3" \
	    -out "$tmp/$1.csr" 2>/dev/null
	openssl x509 -req -in "$tmp/$1.csr" -CA "$pki/$4.pem" \
	    -CAkey "$pki/$4.key" -set_serial "$5" -days 36500 \
	    -extfile "$tmp/$1.cnf" -extensions ee -out "$tmp/$1.pem" 2>/dev/null
}
for k in eddie edna; do
	cp "$testdir/eddsa/$k.key" "$testdir/eddsa/$k.pem" "$tmp/"
	chmod 600 "$tmp/$k.key"
done
ee alice-ed ed25519 alice@example.com sub-ca 0x4003
ee rogue-ed ed25519 rogue@example.com rogue-ca 0x4004

printf 'From: eddie@example.com\r\nTo: bob@example.com\r\nSubject: hi\r\n\r\nhello world\r\n' >"$tmp/msg.eml"
sign="smime-sign -k $tmp/eddie.key -c $tmp/eddie.pem --chain $pki/sub-ca.pem"
# res OPTS: smime-verify's result, and its exit code if not 0 (a crash,
# a sanitizer's 86 or 87, valgrind's 99 must not go unseen)
res() {
	smime-verify $ca "$@" >"$tmp/res.eml"
	_rc=$?
	[ "$_rc" -eq 0 ] || echo "exit $_rc"
	ar_result "$tmp/res.eml"
}

### The committed fixtures (also the verify fuzz target's seeds).
e=$testdir/eddsa
check_eq 'fixture ed25519-detached.eml: pass' "$(res <"$e/ed25519-detached.eml")" pass
check_eq 'fixture ed25519-opaque.eml: pass' "$(res <"$e/ed25519-opaque.eml")" pass
check_eq 'fixture ed448-rsa-opaque.eml: pass' \
    "$(res --policy signature --certfile "$pki/sub-ca.pem" <"$e/ed448-rsa-opaque.eml")" pass

### Our Ed25519 signatures.
ok 'detached: signed' "$sign <'$tmp/msg.eml' >'$tmp/d.eml'"
ok 'opaque: signed' "$sign --opaque <'$tmp/msg.eml' >'$tmp/o.eml'"
check_grep 'detached: micalg=sha-512 (RFC 8551 3.4.3.2)' \
    'micalg=sha-512;' "$tmp/d.eml"
check_eq 'detached: pass' "$(res <"$tmp/d.eml")" pass
check_eq 'opaque: pass' "$(res <"$tmp/o.eml")" pass
smime-verify $ca <"$tmp/o.eml" >"$tmp/o.out"
check_grep 'opaque: unwrapped to the content' '^hello world' "$tmp/o.out"
ok 'detached: python3-cryptography verifies the signature and messageDigest' \
    "$x check '$tmp/d.eml' '$tmp/eddie.pem'"
ok 'opaque: python3-cryptography verifies the signature and messageDigest' \
    "$x check '$tmp/o.eml' '$tmp/eddie.pem'"
sed 's/hello world/hello World/' "$tmp/d.eml" >"$tmp/dx.eml"
check_eq 'detached, content changed: fail' "$(res <"$tmp/dx.eml")" \
    'fail (signature does not match)'
must_fail 'detached, content changed: python3-cryptography says no too' \
    "$x check '$tmp/dx.eml' '$tmp/eddie.pem'"
# opaque, a byte of the content changed inside the BER
{ sed '/^\r$/q' "$tmp/o.eml"
  sed '1,/^\r$/d' "$tmp/o.eml" | tr -d '\r' | base64 -d |
      perl -0777 -pe 's/hello world/hello World/' | base64; } >"$tmp/ox.eml"
check_eq 'opaque, content changed: fail' "$(res <"$tmp/ox.eml")" \
    'fail (signature does not match)'
# A larger content goes through in several OCTET STRING segments.
{ printf 'From: eddie@example.com\r\nSubject: big\r\n\r\n'
  i=0; while [ $i -lt 3000 ]; do printf 'line %d of a long message\r\n' $i; i=$((i + 1)); done; } >"$tmp/big.eml"
ok 'opaque, 80 KB: signed' "$sign --opaque <'$tmp/big.eml' >'$tmp/ob.eml'"
check_eq 'opaque, 80 KB: pass' "$(res <"$tmp/ob.eml")" pass
ok 'opaque, 80 KB: python3-cryptography agrees' \
    "$x check '$tmp/ob.eml' '$tmp/eddie.pem'"
sed '1,/^\r$/d' "$tmp/o.eml" | tr -d '\r' | base64 -d >"$tmp/o.der"
ok 'opaque: openssl parses the BER' \
    "openssl cms -cmsout -print -inform DER -in '$tmp/o.der' | grep -q 'ED25519'"
expect_code '--digest sha256 with an Ed25519 key: 64 (RFC 8419: SHA-512)' 64 \
    "$sign --digest sha256 <'$tmp/msg.eml'"
check_eq '... nothing written' "$(cat "$tmp/.out")" ''
expect_code '--pss with an Ed25519 key: 64' 64 "$sign --pss <'$tmp/msg.eml'"
expect_code 'an Ed448 key: cannot sign (78)' 78 \
    "smime-sign -k $tmp/edna.key -c $tmp/edna.pem <'$tmp/msg.eml'"
sed 's/^From: eddie@/From: rogue@/' "$tmp/msg.eml" |
    smime-sign -k "$tmp/rogue-ed.key" -c "$tmp/rogue-ed.pem" >"$tmp/r.eml"
check_eq 'Ed25519 certificate of an untrusted CA: policy (untrusted), as for RSA' \
    "$(res <"$tmp/r.eml")" 'policy (untrusted)'
check_eq '... --policy signature: pass' \
    "$(res --policy signature <"$tmp/r.eml")" pass

# An Ed25519 identity of the store (PKCS#12), chosen by the From.
openssl pkcs12 -export -inkey "$tmp/eddie.key" -in "$tmp/eddie.pem" \
    -certfile "$pki/sub-ca.pem" -passout pass:test -out "$tmp/eddie.p12"
chmod 600 "$tmp/eddie.p12"
certstore -S "$tmp/st" init
certstore -S "$tmp/st" trust add "$pki/root-ca.pem"
ok 'the store takes an Ed25519 identity' \
    "certstore -S '$tmp/st' identity add -p '$tmp/eddie.p12' --passin pass:test"
smime-sign -S "$tmp/st" --passin pass:test --opaque <"$tmp/msg.eml" >"$tmp/st.eml"
check_eq 'signed with the store'"'"'s Ed25519 identity: pass' \
    "$(res <"$tmp/st.eml")" pass

### Made by cms-ed.py over one content.
printf 'Content-Type: text/plain\r\n\r\nhello\r\n' >"$tmp/c.txt"
# opaque FROM DER, detached FROM DER [CONTENT]: S/MIME messages around it
opaque() {
	printf 'From: %s\nSubject: t\nMIME-Version: 1.0\nContent-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\nContent-Transfer-Encoding: base64\n\n' "$1"
	base64 "$2"
}
detached() {
	printf 'From: %s\nSubject: t\nMIME-Version: 1.0\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-512; boundary=b\n\n--b\r\n' "$1"
	cat "${3:-$tmp/c.txt}"
	printf '\r\n--b\nContent-Type: application/pkcs7-signature\nContent-Transfer-Encoding: base64\n\n'
	base64 "$2"
	printf -- '--b--\n'
}
# made DESC WANT FROM SIGNER... : cms-ed.py's opaque SignedData verified
made() {
	_d=$1 _w=$2 _f=$3
	shift 3
	$x sign "$tmp/m.der" "$tmp/c.txt" "$@"
	check_eq "$_d" \
	    "$(opaque "$_f" "$tmp/m.der" | res --certfile "$pki/sub-ca.pem")" "$_w"
}
E=$tmp/eddie.key,$tmp/eddie.pem
D=$tmp/edna.key,$tmp/edna.pem
A=$pki/alice.key,$pki/alice.pem
AE=$tmp/alice-ed.key,$tmp/alice-ed.pem
made 'Ed25519 (cms-ed.py): pass' pass eddie@example.com "$E"
made 'Ed448, SHAKE256 to 64 bytes: pass' pass edna@example.com "$D"
made 'Ed25519 without signed attributes (over the content): pass' pass \
    eddie@example.com "$E,noattrs"
made 'Ed448 without signed attributes: pass' pass edna@example.com "$D,noattrs"
$x sign "$tmp/m.der" "$tmp/c.txt" --detached "$D"
printf 'Content-Type: text/plain\r\n\r\nhellO\r\n' >"$tmp/c2.txt"
check_eq 'Ed448 detached: pass' \
    "$(detached edna@example.com "$tmp/m.der" | res --certfile "$pki/sub-ca.pem")" pass
check_eq 'Ed448 detached over other content: fail' \
    "$(detached edna@example.com "$tmp/m.der" "$tmp/c2.txt" | res --certfile "$pki/sub-ca.pem")" \
    'fail (signature does not match)'
$x sign "$tmp/m.der" "$tmp/c.txt" --detached "$E,noattrs"
check_eq 'Ed25519 without signed attributes, over other content: fail' \
    "$(detached eddie@example.com "$tmp/m.der" "$tmp/c2.txt" | res --certfile "$pki/sub-ca.pem")" \
    'fail (signature does not match)'

# Two signers, RSA and Ed25519 (each judged; all must hold).
made 'RSA and Ed25519 signers: pass' pass alice@example.com "$A" "$AE"
made 'Ed25519 and RSA signers (other order): pass' pass alice@example.com "$AE" "$A"
made 'RSA and Ed25519, the Ed25519 signature forged (S >= L): fail' \
    'fail (signature does not match)' alice@example.com "$A" "$AE,sbig"
made 'Ed25519 and RSA, the RSA certificate nowhere: permerror' \
    'permerror (signer certificate not found)' alice@example.com "$AE" "$A,nocert"
made 'RSA and Ed25519, the RSA signature by another key: fail' \
    'fail (signature does not match)' alice@example.com "$A,sigkey=$pki/bob.key" "$AE"

### Hostile.
# S + L is the same point [S]B: a verifier that does not check S < L
# (RFC 8032 5.1.7) would take it; libcrypto refuses it.
made 'Ed25519 with S >= L: fail' 'fail (signature does not match)' \
    eddie@example.com "$E,sbig"
made 'Ed25519 signature a byte longer: fail' 'fail (signature does not match)' \
    eddie@example.com "$E,long"
made 'Ed25519 signature a byte shorter: fail' 'fail (signature does not match)' \
    eddie@example.com "$E,short"
made 'Ed448 signature a byte longer: fail' \
    'fail (signature does not match)' edna@example.com "$D,long"
# RFC 8419 3.1: SHA-512 MUST with Ed25519; the signature is good over
# attributes with a SHA-256 messageDigest, and still not RFC 8419's.
made 'Ed25519 with a SHA-256 digestAlgorithm: permerror' \
    'permerror (EdDSA with a digest RFC 8419 does not allow)' \
    eddie@example.com "$E,digest=sha256"
made 'Ed448 with SHA-512: permerror' \
    'permerror (EdDSA with a digest RFC 8419 does not allow)' \
    edna@example.com "$D,digest=sha512"
# id-shake256-len (RFC 8702) with 512 bits is RFC 8419's digest with
# its length spelt out (Bouncy Castle writes it); another length is not.
made 'Ed448 with id-shake256-len, 512 bits: pass' pass \
    edna@example.com "$D,digest=shake256-len512"
made 'Ed448 with id-shake256-len, 256 bits: permerror' \
    'permerror (EdDSA with a digest RFC 8419 does not allow)' \
    edna@example.com "$D,digest=shake256-len256"
made 'Ed25519 with id-shake256-len, 512 bits: permerror' \
    'permerror (EdDSA with a digest RFC 8419 does not allow)' \
    eddie@example.com "$E,digest=shake256-len512"
made 'Ed25519 signatureAlgorithm with parameters (NULL): permerror' \
    'permerror (EdDSA signature algorithm with parameters)' \
    eddie@example.com "$E,params"
made 'an Ed25519 signature by a certificate whose key is RSA: permerror' \
    "permerror (signature algorithm does not match the signer's key)" \
    alice@example.com "$A,sigalg=ed25519,sigkey=$tmp/alice-ed.key,digest=sha512"
made 'an Ed25519 key under rsaEncryption: permerror' \
    "permerror (signature algorithm does not match the signer's key)" \
    eddie@example.com "$E,sigalg=rsa"
made 'an Ed448 signature under id-Ed25519: permerror' \
    "permerror (signature algorithm does not match the signer's key)" \
    edna@example.com "$D,sigalg=ed25519,digest=sha512"
made 'contentType attribute id-signedData over data: fail' \
    'fail (signature does not match)' eddie@example.com "$E,ctype=signed"
made 'no messageDigest attribute: permerror' \
    'permerror (malformed signed attributes)' eddie@example.com "$E,nomd"
made 'the Ed25519 certificate neither in the message nor given: permerror' \
    'permerror (signer certificate not found)' eddie@example.com "$E,nocert"
$x sign "$tmp/m.der" "$tmp/c.txt" "$E,nocert"
check_eq '... given with --certfile: pass' "$(opaque eddie@example.com "$tmp/m.der" |
    res --certfile "$pki/sub-ca.pem" --certfile "$tmp/eddie.pem")" pass
done_testing
