#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Attacks that OpenSSL 3.0.19 lets through and smime-decrypt
# must stop itself (smime-decrypt(1), "cipher not allowed", and "password
# and KEK recipients are not handled"):
#  - AES-GCM with a 1-byte tag (OpenSSL checks only that many bytes), a
#    12-byte tag, an 8-byte nonce;
#  - an AuthEnvelopedData whose cipher was swapped for AES-OFB (OpenSSL
#    decrypts it, unauthenticated), GCM inside an EnvelopedData;
#  - password (PWRI) and KEK recipients: result=fail (no matching key),
#    even when the password is the passphrase given with --passin or the
#    KEK's id is our certificate's key identifier.
# Each crafted message is first shown to be the hole: openssl cms takes it.
# Every case: exit 0, the exact result, no plaintext, the message passes
# through as it came.
. "$(dirname "$0")/lib.sh"
plan 74

pki=$testdir/pki
cp "$pki/alice.key" "$pki/alice.p12" "$tmp/"
chmod 600 "$tmp/alice.key" "$tmp/alice.p12"
A="-k $tmp/alice.key -c $pki/alice.pem"
osdecrypt() {	# openssl cms decrypts DER $1 with alice's key into $2
	openssl cms -decrypt -inform DER -in "$1" -inkey "$tmp/alice.key" \
	    -recip "$pki/alice.pem" -binary -out "$2" 2>/dev/null
}
# refused NAME MESSAGE WANT [smime-decrypt options, no spaces]: exit 0, the result
# WANT, no plaintext, the message as it came under our field.
refused() {
	r_name=$1 r_m=$2 r_want=$3
	shift 3
	r_opts="$*"
	expect_code "$r_name: exit 0" 0 'smime-decrypt $r_opts <"$r_m" >"$tmp/d.eml"'
	if [ "$r_want" = "$NOKEY" ]; then	# a detail may follow
		dres "$tmp/d.eml" >"$tmp/d.res"
		check_grep "$r_name: result=fail ($r_want)" \
		    '^mx\.example\.org; result=fail \(no matching key( [^;]*)?\)$' "$tmp/d.res"
	else
		check_eq "$r_name: result=fail ($r_want)" "$(dres "$tmp/d.eml")" \
		    "mx.example.org; result=fail ($r_want)"
	fi
	check_nogrep "$r_name: no plaintext" 'secret' "$tmp/d.eml"
	undres "$tmp/d.eml" >"$tmp/d.rest"
	check_same "$r_name: passes through as it came" "$tmp/d.rest" "$r_m"
}
NOTALLOWED='cipher not allowed'
NOKEY='no matching key'

awk 'BEGIN { print "From: Bob <bob@example.com>"; print "To: alice@example.com";
    print "Subject: holes"; print "Content-Type: text/plain"; print "";
    for (i = 0; i < 300; i++) printf "the secret line %d\n", i }' >"$tmp/m.eml"

# --- GCM: the tag and the nonce ------------------------------------------
smime-encrypt --cipher aes-256-gcm -r "$pki/alice.pem" <"$tmp/m.eml" >"$tmp/g.eml"
body "$tmp/g.eml" | openssl base64 -d >"$tmp/g.der"
check_eq 'control: openssl cms decrypts the untouched GCM message' \
    "$(osdecrypt "$tmp/g.der" "$tmp/o.txt"; echo $?)" 0
smime-decrypt $A <"$tmp/g.eml" >"$tmp/d.eml"
check_eq 'control: smime-decrypt decrypts it' "$(dres "$tmp/d.eml")" \
    'mx.example.org; result=pass; cipher=aes-256-gcm; integrity=authenticated; recipient=sha256:X'
# The mac (after the content, whose parents have indefinite lengths) cut
# from 16 bytes to its first byte: the tag OpenSSL checks is 1 byte.
perl -0777 -pe 's/\x04\x10(.)(.{15})((?:\x00\x00)+)\z/\x04\x01$1$3/s' "$tmp/g.der" >"$tmp/t1.der"
check_eq '1-byte tag: 15 bytes shorter' "$(($(wc -c <"$tmp/g.der") - $(wc -c <"$tmp/t1.der")))" 15
check_eq '1-byte tag: openssl cms decrypts it (the hole)' \
    "$(osdecrypt "$tmp/t1.der" "$tmp/o.txt"; echo $?):$(grep -c 'secret line 299' "$tmp/o.txt")" 0:1
# With the ciphertext changed as well, 1 try in 256 passes OpenSSL.
{ hdr "$tmp/g.eml"; openssl base64 -in "$tmp/t1.der"; } >"$tmp/t1.eml"
refused '1-byte tag' "$tmp/t1.eml" "$NOTALLOWED" $A
# 12 bytes, with icvLen 12 (RFC 5084 allows it; smime-decrypt(1): only 16)
perl -0777 -pe 's/(\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2e\x30\x11\x04\x0c.{12}\x02\x01)\x10/${1}\x0c/s;
    s/\x04\x10(.{12})(.{4})((?:\x00\x00)+)\z/\x04\x0c$1$3/s' "$tmp/g.der" >"$tmp/t12.der"
check_eq '12-byte tag: openssl cms decrypts it' \
    "$(osdecrypt "$tmp/t12.der" "$tmp/o.txt"; echo $?)" 0
{ hdr "$tmp/g.eml"; openssl base64 -in "$tmp/t12.der"; } >"$tmp/t12.eml"
refused '12-byte tag' "$tmp/t12.eml" "$NOTALLOWED" $A
# An 8-byte nonce: the AlgorithmIdentifier 4 bytes shorter (its parents
# have indefinite lengths).  The tag no longer matches; the refusal must
# come first, before any key is used: cipher not allowed.
perl -0777 -pe 's/\x30\x1e(\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2e)\x30\x11\x04\x0c(.{8}).{4}(\x02\x01\x10)/\x30\x1a$1\x30\x0d\x04\x08$2$3/s' \
    "$tmp/g.der" >"$tmp/n8.der"
check_eq '8-byte nonce: 4 bytes shorter, and openssl reads it' \
    "$(($(wc -c <"$tmp/g.der") - $(wc -c <"$tmp/n8.der"))):$(openssl cms -cmsout -print -inform DER -in "$tmp/n8.der" 2>/dev/null | grep -c 'aes-256-gcm')" 4:1
{ hdr "$tmp/g.eml"; openssl base64 -in "$tmp/n8.der"; } >"$tmp/n8.eml"
refused '8-byte nonce' "$tmp/n8.eml" "$NOTALLOWED" $A

# --- cipher swaps ------------------------------------------------------------
# AES-256-GCM {nonce, 16} made AES-256-OFB with an IV of the nonce and
# GCM's first counter: OpenSSL decrypts it, unauthenticated.
perl -0777 -pe 's/\x30\x1e\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2e\x30\x11\x04\x0c(.{12})\x02\x01\x10/\x30\x1d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2b\x04\x10$1\x00\x00\x00\x02/s' \
    "$tmp/g.der" >"$tmp/ofb.der"
# (OFB's first block is GCM's first counter block: it reads right; the
# rest is garbage, released without any check)
check_eq 'OFB swap: openssl cms decrypts it, no check (the hole)' \
    "$(osdecrypt "$tmp/ofb.der" "$tmp/o.txt"; echo $?):$(head -c 16 "$tmp/o.txt")" '0:Content-Type: te'
{ hdr "$tmp/g.eml"; openssl base64 -in "$tmp/ofb.der"; } >"$tmp/ofb.eml"
refused 'AuthEnvelopedData swapped to OFB' "$tmp/ofb.eml" "$NOTALLOWED" $A
# The same as a bare DER file: nothing to annotate, exit 65, no output.
expect_code 'OFB swap, bare DER: exit 65' 65 'smime-decrypt $A <"$tmp/ofb.der" >"$tmp/out"'
check_eq 'OFB swap, bare DER: nothing on stdout' "$(wc -c <"$tmp/out" | tr -d ' ')" 0
# CBC in an AuthEnvelopedData: the GCM AlgorithmIdentifier made AES-CBC.
perl -0777 -pe 's/\x30\x1e\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2e\x30\x11\x04\x0c(.{12})\x02\x01\x10/\x30\x1d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2a\x04\x10$1\x00\x00\x00\x02/s' \
    "$tmp/g.der" >"$tmp/acbc.der"
check_eq 'CBC in AuthEnvelopedData: openssl reads the structure' \
    "$(openssl cms -cmsout -print -inform DER -in "$tmp/acbc.der" 2>/dev/null | grep -c 'aes-256-cbc')" 1
{ hdr "$tmp/g.eml"; openssl base64 -in "$tmp/acbc.der"; } >"$tmp/acbc.eml"
refused 'CBC inside an AuthEnvelopedData' "$tmp/acbc.eml" "$NOTALLOWED" $A
# GCM in an EnvelopedData: a CBC message's AES-256-CBC {IV} made GCM.
smime-encrypt --cipher aes-256-cbc -r "$pki/alice.pem" <"$tmp/m.eml" >"$tmp/c.eml"
body "$tmp/c.eml" | openssl base64 -d >"$tmp/c.der"
perl -0777 -pe 's/\x30\x1d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2a\x04\x10(.{12}).{4}/\x30\x1e\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2e\x30\x11\x04\x0c$1\x02\x01\x10/s' \
    "$tmp/c.der" >"$tmp/egcm.der"
check_eq 'GCM in EnvelopedData: openssl reads the structure' \
    "$(openssl cms -cmsout -print -inform DER -in "$tmp/egcm.der" 2>/dev/null | grep -c 'd.envelopedData:\|algorithm: aes-256-gcm')" 2
{ hdr "$tmp/c.eml"; openssl base64 -in "$tmp/egcm.der"; } >"$tmp/egcm.eml"
refused 'GCM inside an EnvelopedData' "$tmp/egcm.eml" "$NOTALLOWED" $A

# --- password and KEK recipients ---------------------------------------------
# mail MESSAGE-WITHOUT-FROM: openssl's S/MIME output with a From and To.
mail() { { printf 'From: Bob <bob@example.com>\nTo: alice@example.com\nSubject: holes\n'; cat; } >"$1"; }
printf 'Content-Type: text/plain\n\nthe secret line\n' >"$tmp/ent.txt"
openssl cms -encrypt -aes256 -pwri_password test -in "$tmp/ent.txt" 2>/dev/null | mail "$tmp/pw-cbc.eml"
check_eq 'PWRI: openssl decrypts it with the password' \
    "$(openssl cms -decrypt -pwri_password test -in "$tmp/pw-cbc.eml" 2>/dev/null | tr -d '\r' | tail -1)" 'the secret line'
# OpenSSL cannot make PWRI with GCM: alice's RecipientInfos in a GCM
# message replaced by the password RecipientInfo of another.
openssl cms -encrypt -aes256 -pwri_password test -in "$tmp/ent.txt" -outform DER -out "$tmp/pw.der" 2>/dev/null
riset() {	# riset DER: offset and length of the RecipientInfos SET
	openssl asn1parse -inform DER -in "$1" |
	    awk '/d=3 / && /cons: *SET/ { split($1, a, ":"); split($2, h, "="); l = $0; sub(/.*l= */, "", l); sub(/ .*/, "", l); print a[1], h[2] + l; exit }'
}
set -- $(riset "$tmp/g.der") $(riset "$tmp/pw.der")
perl -0777 -e 'open(F, "<", $ARGV[0]) or die; binmode F; local $/; my $g = <F>;
    open(P, "<", $ARGV[1]) or die; binmode P; my $p = <P>;
    substr($g, $ARGV[2], $ARGV[3]) = substr($p, $ARGV[4], $ARGV[5]); print $g' \
    "$tmp/g.der" "$tmp/pw.der" "$@" >"$tmp/pwg.der"
check_eq 'PWRI in AuthEnvelopedData: openssl sees one pwri and GCM' \
    "$(openssl cms -cmsout -print -inform DER -in "$tmp/pwg.der" 2>/dev/null | grep -c 'd.pwri:\|algorithm: aes-256-gcm\|d.ktri')" 2
{ hdr "$tmp/g.eml"; openssl base64 -in "$tmp/pwg.der"; } >"$tmp/pw-gcm.eml"
for c in cbc gcm; do
	refused "PWRI ($c), -k -c" "$tmp/pw-$c.eml" "$NOKEY" $A
	# the password is our PKCS#12 passphrase: still never tried
	refused "PWRI ($c), the password given as --passin" "$tmp/pw-$c.eml" "$NOKEY" \
	    -p "$tmp/alice.p12" --passin pass:test
done
K=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
openssl cms -encrypt -aes256 -secretkey $K -secretkeyid 01020304 -in "$tmp/ent.txt" | mail "$tmp/kek.eml"
check_eq 'KEK: openssl decrypts it with the key' \
    "$(openssl cms -decrypt -secretkey $K -secretkeyid 01020304 -in "$tmp/kek.eml" 2>/dev/null | tr -d '\r' | tail -1)" 'the secret line'
refused 'KEK recipient' "$tmp/kek.eml" "$NOKEY" $A
# The KEK's id is alice's subject key identifier.
ski=$(openssl x509 -in "$pki/alice.pem" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :')
check_eq 'alice has a 20-byte SKI' "${#ski}" 40
openssl cms -encrypt -aes256 -secretkey $K -secretkeyid "$ski" -in "$tmp/ent.txt" | mail "$tmp/kek2.eml"
refused 'KEK recipient named by our SKI' "$tmp/kek2.eml" "$NOKEY" $A
# From the store: the identities there are not tried on these either.
certstore -S "$tmp/store" init
certstore -S "$tmp/store" identity add -p "$tmp/alice.p12" --passin pass:test
refused 'PWRI, store identities' "$tmp/pw-cbc.eml" "$NOKEY" -S "$tmp/store" --passin pass:test
refused 'KEK, store identities' "$tmp/kek2.eml" "$NOKEY" -S "$tmp/store" --passin pass:test
expect_code 'PWRI, --strict: exit 1' 1 'smime-decrypt -s $A <"$tmp/pw-cbc.eml" >/dev/null'
# bare DER with only a password recipient: not decryptable, 65
expect_code 'PWRI, bare DER: exit 65' 65 'smime-decrypt $A <"$tmp/pw.der" >"$tmp/out"'
check_eq 'PWRI, bare DER: nothing on stdout' "$(wc -c <"$tmp/out" | tr -d ' ')" 0

done_testing
