#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# smime-sign and smime-verify over the committed test PKI: round trips,
# openssl cms in both directions, and every outcome of the policies.
. "$(dirname "$0")/lib.sh"
plan 129

pki=$testdir/pki
private_keys alice bob carol dave helpdesk expired notyet noemailprot \
    encrypt-only mismatch weak revoked noaddr untrusted signonly
cp "$pki/selfsigned.key" "$tmp/selfsigned.key"
chmod 600 "$tmp/selfsigned.key"
ca="--no-system-ca --ca $pki/root-ca.pem"

msg() {	# msg FROM: a small message from FROM
	printf 'From: %s\nTo: help@example.org\nSubject: test\nMessage-ID: <1@example.com>\nContent-Type: text/plain; charset=us-ascii\n\nhello\nworld\n' "$1"
}
sign() {	# sign NAME [options]: alice's message signed by NAME
	who=$1
	shift
	msg "$who@example.com" | smime-sign -k "$tmp/$who.key" -c "$pki/$who.pem" --chain "$pki/sub-ca.pem" "$@"
}
verdict() {	# the result word of our Authentication-Results
	ar_result "$1" | sed 's/ .*//'
}

# Round trips, our verifier.
for opts in "" "--opaque" "--pss" "--digest sha384" "--digest sha512" \
    "--opaque --pss --digest sha512"; do
	ok "sign alice $opts" 'sign alice $opts >"$tmp/s.eml"'
	ok "verify alice $opts" 'smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"'
	check_eq "alice $opts: pass" "$(verdict "$tmp/v.eml")" pass
	ok "openssl cms verifies alice $opts" \
	    'openssl cms -verify -CAfile "$pki/root-ca.pem" -in "$tmp/s.eml" -out "$tmp/o.txt"'
done
for n in carol dave; do
	ok "sign $n (ECDSA)" 'sign $n >"$tmp/s.eml"'
	ok "$n: openssl cms verifies" \
	    'openssl cms -verify -CAfile "$pki/root-ca.pem" -in "$tmp/s.eml" -out /dev/null'
	smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
	check_eq "$n: pass" "$(verdict "$tmp/v.eml")" pass
done

sign alice >"$tmp/s.eml"
smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
check_grep 'properties: identifier' 'body.smime-identifier=alice@example.com' "$tmp/v.eml"
check_grep 'properties: issuer, quoted' \
    'body.smime-issuer="CN=smimetools Test Sub CA' "$tmp/v.eml"
check_grep 'the outer header stays outside' '^Subject: test' "$tmp/s.eml"
check_grep 'multipart/signed with sha-256' 'micalg=sha-256' "$tmp/s.eml"

sign alice --opaque >"$tmp/s.eml"
smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
check_grep 'opaque: unwrapped after a valid signature' '^hello$' "$tmp/v.eml"
check_nogrep 'opaque: the wrapper is gone' 'pkcs7-mime' "$tmp/v.eml"
# The entity's Content-Type, now with RFC 9788's hp="clear" (smime-sign
# copies the header inside: test 0081).
check_grep 'opaque: inner Content-Type in the outer header' \
    '^Content-Type: text/plain; charset=us-ascii;$' "$tmp/v.eml"
check_grep 'opaque: ... labelled hp="clear"' '^	hp="clear"$' "$tmp/v.eml"

# Line ends: LF in, LF out; CRLF in, CRLF out; both verify.
msg alice@example.com | crlf /dev/stdin >"$tmp/crlf.eml"
ok 'sign CRLF input' \
    'smime-sign -p "$tmp/alice.p12" --passin pass:test <"$tmp/crlf.eml" >"$tmp/s.eml"'
check_eq 'CRLF in, CRLF out' "$(grep -vc "$(printf '\r')\$" "$tmp/s.eml")" 0
smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
check_eq 'CRLF: pass' "$(verdict "$tmp/v.eml")" pass
sign alice >"$tmp/s.eml"
check_eq 'LF in, LF out' "$(grep -c "$(printf '\r')" "$tmp/s.eml")" 0

# 8bit and binary are re-encoded before signing.
printf 'From: alice@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGr\303\274\303\237e\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: binary\n\n\001\002\377\000x\n--b--\n' >"$tmp/8bit.eml"
ok 'sign 8bit and binary parts' \
    'smime-sign -p "$tmp/alice.p12" --passin pass:test <"$tmp/8bit.eml" >"$tmp/s.eml"'
# (the line end before a delimiter is the delimiter's, RFC 2046 5.1.1)
check_grep '8bit text became quoted-printable' '^Gr=C3=BC=C3=9Fe=$' "$tmp/s.eml"
check_grep 'binary became base64' '^AQL/AHg=$' "$tmp/s.eml"
check_nogrep 'no 8bit label left' 'Content-Transfer-Encoding: (8bit|binary)' "$tmp/s.eml"
smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
check_eq 're-encoded: pass' "$(verdict "$tmp/v.eml")" pass
# A bare CR is re-encoded too (RFC 2045 2.7): last in the body, written
# before the boundary's LF, it would come back as a line break.
printf 'From: alice@example.com\nSubject: cr\n\nbare\rCR\r' >"$tmp/cr.eml"
sign_p12() { smime-sign -p "$tmp/alice.p12" --passin pass:test "$@"; }
sign_p12 <"$tmp/cr.eml" >"$tmp/s.eml"
check_grep 'a bare CR became quoted-printable' '^bare=0DCR=0D=$' "$tmp/s.eml"
smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
check_eq 'bare CR: pass' "$(verdict "$tmp/v.eml")" pass
# Nor where the entity's last bare CR is no leaf's: an epilogue's.
printf 'From: alice@example.com\nContent-Type: multipart/mixed; boundary=x\n\n--x\n\nhi\n--x--\n\r' |
    sign_p12 >"$tmp/s.eml"
smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
check_eq 'epilogue ending in a bare CR: pass' "$(verdict "$tmp/v.eml")" pass
sign_p12 --opaque <"$tmp/cr.eml" | smime-verify $ca >"$tmp/v.eml"
check_eq 'bare CR, opaque: pass' "$(verdict "$tmp/v.eml")" pass
# CRs before a line end in a header field: a reader that ends lines at
# a bare CR (Python's email package) sees an empty line there, the end of
# the header, so the entity has two readings and is not signed.
printf 'From: alice@example.com\nContent-Type: text/plain;\r\r\n charset=us-ascii\n\nx\n' \
    >"$tmp/crcr.eml"
sign_p12 <"$tmp/crcr.eml" >"$tmp/s.eml" 2>"$tmp/err"
check_eq 'CR CR LF in a header field: not signed (65)' "$?:$(wc -c <"$tmp/s.eml")" 65:0
# Input that ends inside its header, in an outer field: ours follow on
# a line of their own.
printf 'From: alice@example.com\nMIME-Version: 1.0\nSubject: eof' | sign_p12 >"$tmp/s.eml"
check_grep 'header cut short: Subject on its own line' '^Subject: eof$' "$tmp/s.eml"
smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
check_eq 'header cut short: pass' "$(verdict "$tmp/v.eml")" pass

# Tampering.
sign alice | sed 's/^world$/w0rld/' >"$tmp/t.eml"
smime-verify $ca <"$tmp/t.eml" >"$tmp/v.eml"
check_eq 'altered content: fail' "$(verdict "$tmp/v.eml")" fail
expect_code 'fail with --strict exits 1' 1 'smime-verify -s $ca <"$tmp/t.eml" >/dev/null'
expect_code 'fail with -q exits 1, no output' 1 'smime-verify -q $ca <"$tmp/t.eml"'
sign alice --opaque >"$tmp/o.eml"
# one character of the 10th full base64 line (inside the content)
awk 'length($0) == 76 && ++n == 10 { c = substr($0, 40, 1); $0 = substr($0, 1, 39) (c == "A" ? "B" : "A") substr($0, 41) } { print }' "$tmp/o.eml" >"$tmp/t.eml"
check_eq 'the opaque message was altered' "$(cmp -s "$tmp/o.eml" "$tmp/t.eml" && echo same)" ''
smime-verify $ca <"$tmp/t.eml" >"$tmp/v.eml"
check_grep 'altered opaque: not pass' 'smime=(fail|permerror)' "$tmp/v.eml"
check_grep 'altered opaque: still wrapped' 'pkcs7-mime' "$tmp/v.eml"

# Policies.
expect_policy() {	# NAME REASON [verify options]
	who=$1 why=$2
	shift 2
	sign "$who" >"$tmp/p.eml"
	smime-verify $ca "$@" <"$tmp/p.eml" >"$tmp/v.eml"
	check_grep "$who: policy ($why)" "smime=policy \\($why" "$tmp/v.eml"
}
expect_policy expired expired
expect_policy notyet 'not yet valid'
expect_policy noemailprot 'key usage'
expect_policy encrypt-only 'key usage'
msg alice@example.com | smime-sign -k "$tmp/mismatch.key" -c "$pki/mismatch.pem" --chain "$pki/sub-ca.pem" >"$tmp/p.eml"
smime-verify $ca <"$tmp/p.eml" >"$tmp/v.eml"
check_grep 'signed by another address than From: policy' \
    'smime=policy \(address mismatch' "$tmp/v.eml"
msg 'alice@example.com, bob@example.com' | smime-sign -p "$tmp/alice.p12" --passin pass:test >"$tmp/p.eml"
smime-verify $ca <"$tmp/p.eml" >"$tmp/v.eml"
check_grep 'several From addresses: policy' 'several From addresses' "$tmp/v.eml"
msg '"alice@example.com" <mallory@example.net>' | smime-sign -p "$tmp/alice.p12" --passin pass:test >"$tmp/p.eml"
smime-verify $ca <"$tmp/p.eml" >"$tmp/v.eml"
check_grep 'display name that looks like the address: policy' \
    '^policy \(address mismatch' "$(ar_result "$tmp/v.eml" >"$tmp/r"; echo "$tmp/r")"
msg untrusted@example.com | smime-sign -p "$tmp/untrusted.p12" --passin pass:test --chain "$pki/rogue-ca.pem" >"$tmp/p.eml"
smime-verify $ca <"$tmp/p.eml" >"$tmp/v.eml"
check_grep 'a root carried by the message is no anchor' \
    'smime=policy \(untrusted' "$tmp/v.eml"
smime-verify $ca --policy signature <"$tmp/p.eml" >"$tmp/v.eml"
check_eq 'untrusted under --policy signature: pass' "$(verdict "$tmp/v.eml")" pass
msg selfsigned@example.com | smime-sign -k "$tmp/selfsigned.key" -c "$pki/selfsigned.pem" >"$tmp/p.eml"
smime-verify $ca <"$tmp/p.eml" >"$tmp/v.eml"
check_grep 'self-signed under chain: untrusted' 'smime=policy \(untrusted' "$tmp/v.eml"
smime-verify $ca --policy signature <"$tmp/p.eml" >"$tmp/v.eml"
check_eq 'self-signed under --policy signature: pass' "$(verdict "$tmp/v.eml")" pass
sign weak >"$tmp/p.eml"
smime-verify $ca <"$tmp/p.eml" >"$tmp/v.eml"
check_eq 'weak (RSA-1024, SHA-1 cert) under chain: pass' "$(verdict "$tmp/v.eml")" pass
cat "$pki/root-ca.pem" "$pki/root-ca.crl" "$pki/sub-ca.crl" >"$tmp/with-crl.pem"
smime-verify --no-system-ca --ca "$tmp/with-crl.pem" --policy strict <"$tmp/p.eml" >"$tmp/v.eml"
check_grep 'weak under strict: weak algorithm' 'smime=policy \(weak algorithm' "$tmp/v.eml"
sign revoked >"$tmp/p.eml"
smime-verify --no-system-ca --ca "$tmp/with-crl.pem" --policy strict <"$tmp/p.eml" >"$tmp/v.eml"
check_grep 'revoked under strict: policy (revoked)' 'smime=policy \(revoked' "$tmp/v.eml"
smime-verify $ca <"$tmp/p.eml" >"$tmp/v.eml"
check_eq 'revoked under chain (no CRL asked): pass' "$(verdict "$tmp/v.eml")" pass
sign alice >"$tmp/p.eml"
smime-verify $ca --policy strict <"$tmp/p.eml" >"$tmp/v.eml"
check_grep 'strict without a CRL: temperror' 'smime=temperror \(no CRL' "$tmp/v.eml"
cat "$pki/root-ca.pem" "$pki/root-ca.crl" "$pki/sub-ca-stale.crl" >"$tmp/stale.pem"
smime-verify --no-system-ca --ca "$tmp/stale.pem" --policy strict <"$tmp/p.eml" >"$tmp/v.eml"
check_grep 'strict with a stale CRL: temperror' 'smime=temperror \(CRL out of date' "$tmp/v.eml"
smime-verify --no-system-ca --ca "$tmp/with-crl.pem" --policy strict <"$tmp/p.eml" >"$tmp/v.eml"
check_eq 'strict with fresh CRLs: pass' "$(verdict "$tmp/v.eml")" pass

# Structure.
{ printf 'From: alice@example.com\nContent-Type: multipart/mixed; boundary=outer\n\n--outer\nContent-Type: text/plain\n\nunsigned words\n--outer\nContent-Type: message/rfc822\n\n'
  sign alice; printf '\n--outer--\n'; } >"$tmp/n.eml"
smime-verify $ca <"$tmp/n.eml" >"$tmp/v.eml"
check_grep 'a signed part beside unsigned parts: neutral' 'smime=neutral' "$tmp/v.eml"
sign alice | awk '/^------=_smimetools.*--$/ && !d { sub(/--$/, ""); print; print "Content-Type: text/plain"; print ""; print "third"; print $0 "--"; d = 1; next } { print }' >"$tmp/3.eml"
smime-verify $ca <"$tmp/3.eml" >"$tmp/v.eml"
check_eq 'multipart/signed with three parts: permerror' "$(verdict "$tmp/v.eml")" permerror
printf 'From: alice@example.com\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n--b\nContent-Type: application/pkcs7-signature\nContent-Transfer-Encoding: base64\n\n\n--b--\n' >"$tmp/e.eml"
smime-verify $ca <"$tmp/e.eml" >"$tmp/v.eml"
check_eq 'empty signature: permerror' "$(verdict "$tmp/v.eml")" permerror
{ printf 'Authentication-Results: mx.example.org; smime=pass\n'; sign alice | sed 's/^world$/w0rld/'; } >"$tmp/f.eml"
smime-verify $ca <"$tmp/f.eml" >"$tmp/v.eml"
check_eq 'a forged pass is replaced by our fail' "$(grep -c '^Authentication-Results: mx.example.org' "$tmp/v.eml")" 1

# Identities: PKCS#12 of OpenSSL 3 and legacy RC2/3DES, encrypted keys.
for f in alice-legacy.p12 alice-enc.key helpdesk-legacy.p12; do
	cp "$pki/$f" "$tmp/$f"
	chmod 600 "$tmp/$f"
done
msg alice@example.com >"$tmp/a.eml"
ok 'legacy RC2-40/3DES PKCS#12' \
    'smime-sign -p "$tmp/alice-legacy.p12" --passin pass:test <"$tmp/a.eml" >"$tmp/s.eml"'
smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
check_eq 'legacy PKCS#12: pass' "$(verdict "$tmp/v.eml")" pass
printf 'test\n' >"$tmp/pw"
export SMIME_TEST_PW=test
for src in pass:test env:SMIME_TEST_PW "file:$tmp/pw" fd:3; do
	ok "encrypted key, --passin $src" \
	    'smime-sign -k "$tmp/alice-enc.key" -c "$pki/alice.pem" --passin $src <"$tmp/a.eml" 3<"$tmp/pw" >/dev/null'
done
expect_code 'wrong passphrase: 77' 77 \
    'smime-sign -p "$tmp/alice.p12" --passin pass:wrong <"$tmp/a.eml"'
# fd: takes the first line and returns: a writer that keeps the pipe open
# (a wrapper, a secret agent) must not hold the message up.
mkfifo "$tmp/pw.fifo"
sh -c 'printf "test\\n"; exec sleep 30' >"$tmp/pw.fifo" &
writer=$!
expect_code 'fd: from a pipe its writer keeps open' 0 \
    'timeout 20 smime-sign -k "$tmp/alice-enc.key" -c "$pki/alice.pem" --passin fd:3 3<"$tmp/pw.fifo" <"$tmp/a.eml" >/dev/null'
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
# --chain twice: both files' certificates go in.
msg alice@example.com | smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" \
    --chain "$pki/sub-ca.pem" --chain "$pki/root-ca.pem" >"$tmp/c2.eml"
check_eq '--chain twice: the certificates of both' \
    "$(sed '1,/smime.p7s/d' "$tmp/c2.eml" | sed '1,/^$/d;/^--/,$d' | openssl base64 -d |
    openssl pkcs7 -inform DER -print_certs -noout | grep -c '^subject=')" 3
expect_code 'wrong passphrase for a PEM key: 77' 77 \
    'smime-sign -k "$tmp/alice-enc.key" -c "$pki/alice.pem" --passin pass:wrong <"$tmp/a.eml"'
check_grep 'it says so, in words that do not depend on the bytes' 'wrong passphrase, or not a PEM private key$' "$tmp/.err"
expect_code 'encrypted key without --passin: 77' 77 \
    'smime-sign -k "$tmp/alice-enc.key" -c "$pki/alice.pem" <"$tmp/a.eml"'
cp "$pki/alice.key" "$tmp/open.key"
chmod 644 "$tmp/open.key"
expect_code 'a key others can read: 77' 77 \
    'smime-sign -k "$tmp/open.key" -c "$pki/alice.pem" <"$tmp/a.eml"'
ln -s "$tmp/alice.key" "$tmp/link.key"
expect_code 'a key behind a symbolic link: 77' 77 \
    'smime-sign -k "$tmp/link.key" -c "$pki/alice.pem" <"$tmp/a.eml"'
expect_code 'a key that is not the certificate'"'"'s: 78' 78 \
    'smime-sign -k "$tmp/bob.key" -c "$pki/alice.pem" <"$tmp/a.eml"'
expect_code 'a missing key file: 66' 66 \
    'smime-sign -k "$tmp/none.key" -c "$pki/alice.pem" <"$tmp/a.eml"'

# --unwrap: the signature part goes, the signed entity becomes the body.
sign alice >"$tmp/s.eml"
smime-verify $ca --unwrap <"$tmp/s.eml" >"$tmp/v.eml"
check_grep '--unwrap: pass' 'smime=pass' "$tmp/v.eml"
check_nogrep '--unwrap: no signature part left' 'pkcs7-signature|multipart/signed' "$tmp/v.eml"
check_grep '--unwrap: the content is the body' '^world$' "$tmp/v.eml"

# Signed attributes: ours, in our order; never OpenSSL's RC2/DES list.
sign alice >"$tmp/s.eml"
openssl cms -cmsout -print -in "$tmp/s.eml" >"$tmp/attrs.txt"
check_grep 'signingTime' 'object: signingTime' "$tmp/attrs.txt"
check_grep 'SMIMEEncryptionKeyPreference' 'id-smime-aa-encrypKeyPref' "$tmp/attrs.txt"
openssl cms -cmsout -in "$tmp/s.eml" -outform DER | openssl asn1parse -inform DER |
    sed -n '/S\/MIME Capabilities/,/encrypKeyPref/p' | sed -n 's/.*OBJECT *://p' >"$tmp/caps"
check_eq 'SMIMECapabilities: AES-GCM, ChaCha20-Poly1305 (RFC 8103, no OpenSSL name), then AES-CBC, nothing else' \
    "$(tr '\n' ' ' <"$tmp/caps")" \
    'S/MIME Capabilities aes-256-gcm aes-128-gcm 1.2.840.113549.1.9.16.3.18 aes-256-cbc aes-128-cbc id-smime-aa-encrypKeyPref '

# A chain over the limit (8 intermediates): permerror.
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n' >"$tmp/ca.ext"
printf 'subjectAltName=email:deep@example.com\nkeyUsage=digitalSignature\nextendedKeyUsage=emailProtection\n' >"$tmp/ee.ext"
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
newkey "$tmp/c0.key"
openssl req -x509 -new -key "$tmp/c0.key" -subj /CN=deep0 -days 36500 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign \
    -out "$tmp/c0.pem" 2>/dev/null
: >"$tmp/deep-chain.pem"
i=1
while [ $i -le 11 ]; do
	newkey "$tmp/c$i.key"
	subj=/CN=deep$i ext=$tmp/ca.ext
	[ $i -eq 11 ] && subj=/CN=deep@example.com ext=$tmp/ee.ext
	openssl req -new -key "$tmp/c$i.key" -subj "$subj" 2>/dev/null |
	    openssl x509 -req -CA "$tmp/c$((i - 1)).pem" -CAkey "$tmp/c$((i - 1)).key" \
	    -set_serial $i -days 36500 -extfile "$ext" -out "$tmp/c$i.pem" 2>/dev/null
	[ $i -lt 11 ] && cat "$tmp/c$i.pem" >>"$tmp/deep-chain.pem"
	i=$((i + 1))
done
chmod 600 "$tmp/c11.key"
msg deep@example.com | smime-sign -k "$tmp/c11.key" -c "$tmp/c11.pem" --chain "$tmp/deep-chain.pem" >"$tmp/d.eml"
smime-verify --no-system-ca --ca "$tmp/c0.pem" <"$tmp/d.eml" >"$tmp/v.eml"
check_eq 'a chain of 10 intermediates: permerror (chain too long)' \
    "$(ar_result "$tmp/v.eml")" 'permerror (certificate chain too long)'

# --wrap: a file, not a message.
head -c 70000 /dev/urandom >"$tmp/blob.bin"
ok '--wrap a binary file' \
    'smime-sign --wrap -p "$tmp/alice.p12" --passin pass:test -i "$tmp/blob.bin" >"$tmp/w.eml"'
check_grep '--wrap: the file name from -i' 'filename="blob.bin"' "$tmp/w.eml"
openssl cms -verify -noverify -in "$tmp/w.eml" -out "$tmp/inner" 2>/dev/null
sed -n '/^\r*$/,$p' "$tmp/inner" | tr -d '\r' | base64 -d >"$tmp/back.bin"
check_same '--wrap: the signed entity holds the file exactly' "$tmp/back.bin" "$tmp/blob.bin"
smime-verify --policy signature <"$tmp/w.eml" >"$tmp/v.eml"
check_eq '--wrap: pass' "$(verdict "$tmp/v.eml")" pass
printf '\211PNG\r\n\032\n\0\0\0\rIHDR' >"$tmp/x.png"
smime-sign --wrap --filename "$(printf 'Gr\303\274\303\237e "x".png')" -p "$tmp/alice.p12" --passin pass:test <"$tmp/x.png" >"$tmp/w.eml"
check_grep '--wrap: libmagic types the file' '^Content-Type: image/png;?$' "$tmp/w.eml"
check_grep '--wrap: a non-ASCII name in RFC 2231 form' \
    "filename\\*=utf-8''Gr%C3%BC%C3%9Fe%20%22x%22.png" "$tmp/w.eml"
# Not random: one binary file in about 700 starts with a name and a colon.
{ printf '\211PNG\r\n\032\n'; head -c 1000 "$tmp/blob.bin"; } >"$tmp/nomsg.bin"
expect_code 'not a message, without --wrap: 65' 65 \
    'smime-sign -p "$tmp/alice.p12" --passin pass:test <"$tmp/nomsg.bin"'
{ printf 'I:\243%%\337\002\064\n'; head -c 1000 "$tmp/blob.bin"; } >"$tmp/nomsg.bin"
expect_code 'a binary file that starts like a field: not a message, 65' 65 \
    'smime-sign -p "$tmp/alice.p12" --passin pass:test <"$tmp/nomsg.bin"'
printf 'Subject: =?x?\033$B\033(B\nFrom: alice@example.com\n\nhi\n' >"$tmp/esc.eml"
ok 'an ESC in a header (raw ISO-2022-JP) is still a message' \
    'smime-sign -p "$tmp/alice.p12" --passin pass:test <"$tmp/esc.eml" >/dev/null'
expect_code '--filename without --wrap: 64' 64 \
    'msg alice@example.com | smime-sign --filename x -p "$tmp/alice.p12" --passin pass:test'

ok 'smime-sign --report' \
    'msg alice@example.com | smime-sign -p "$tmp/alice.p12" --passin pass:test --report "$tmp/sr.json" >/dev/null'
check_eq 'smime-sign: one JSON line' "$(cat "$tmp/sr.json")" \
    '{"tool":"smime-sign","authserv_id":"mx.example.org","result":"pass"}'

# openssl cms -sign output, as mail, gives pass.
msg alice@example.com >"$tmp/a.eml"
sed -n '/^$/,$p' "$tmp/a.eml" | tail -n +2 >"$tmp/body.txt"
for opts in "" "-nodetach"; do
	for n in alice carol; do
		{ sed '/^Content-Type/d; /^$/,$d' "$tmp/a.eml" | sed "s/alice@/$n@/"
		  openssl cms -sign $opts -signer "$pki/$n.pem" -inkey "$tmp/$n.key" -certfile "$pki/sub-ca.pem" -in "$tmp/body.txt" -text; } >"$tmp/os.eml"
		smime-verify $ca <"$tmp/os.eml" >"$tmp/v.eml"
		check_eq "openssl cms -sign $opts by $n: pass" "$(verdict "$tmp/v.eml")" pass
	done
done

# openssl cms -sign of an entity that ends where RFC 2046 gives the line
# break before the boundary to the boundary: in a header field, in what
# looks like a header's empty line, in a close delimiter.  OpenSSL signs
# the entity without that line break, and so must we read it.
mp='Content-Type: multipart/mixed; boundary=in\n\n--in\nContent-Type: text/plain\n\nx\n'
for shape in 'a field, no empty line|Content-Type: text/plain' \
    'a field and its line end|Content-Type: text/plain\n' \
    'an empty body|Content-Type: text/plain\n\n' \
    'a body without a line end|Content-Type: text/plain\n\nx' \
    "a close delimiter last|$mp--in--" \
    "an inner part of one field|${mp}--in\nX: y\n--in--" \
    'a message/rfc822 of one field|Content-Type: message/rfc822\n\nFrom: alice@example.com\n' \
    'an empty message/rfc822|Content-Type: message/rfc822\n\n'; do
	printf "${shape#*|}" >"$tmp/ent.txt"
	{ printf 'From: alice@example.com\n'
	  openssl cms -sign -signer "$pki/alice.pem" -inkey "$tmp/alice.key" -certfile "$pki/sub-ca.pem" -in "$tmp/ent.txt"; } >"$tmp/os.eml"
	smime-verify $ca <"$tmp/os.eml" >"$tmp/v.eml"
	# A signed message/rfc822 is checked against its own From: the
	# empty one has none (a misread delimiter would be fail).
	want=pass
	case $shape in 'an empty message/rfc822|'*)
		want='policy (address mismatch: no From address)' ;; esac
	check_eq "openssl cms -sign, ${shape%%|*}: $want" "$(ar_result "$tmp/v.eml")" "$want"
done

done_testing
