#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Exhaustion attacks: each input beyond a limit gets its
# result (permerror for a signature over a limit, result=fail for an
# encrypted message over one, none where nothing is S/MIME at the top),
# exit 0, quickly (each run under $SLOW seconds of wall time), never a
# crash and never 75:
#  - nesting: 5,000 nested multiparts around a signed / an encrypted part,
#    and inside a signature;
#  - parts: a multipart of 12,000 parts (the limit is 10,000 entities);
#  - header size: an 8 MiB header field, a forged result of ours behind
#    4 MiB of comment;
#  - certificates: a signature carrying 70 (the limit is 64);
#  - signers: 9 SignerInfos (the limit is 8);
#  - recipients: an EnvelopedData with 3,000 RecipientInfos;
#  - chain depth: 9 intermediates (the limit is 8);
#  - huge RSA moduli: a real 16384-bit signing key (attacks/rsa16384.key:
#    generating one takes minutes), and a certificate claiming a
#    65536-bit modulus, beyond what OpenSSL accepts.
# ATTACK_DEBUG=1 in the environment prints each verdict as a TAP comment.
. "$(dirname "$0")/lib.sh"
plan 78

SLOW=10
# Under valgrind (20 to 50 times slower) each run takes 0 to 4 s: still
# bounded, but not by 10 s on a shared machine.
[ -n "${SMIME_TEST_VALGRIND-}" ] && SLOW=60
pki=$testdir/pki
for n in alice bob; do
	cp "$pki/$n.key" "$tmp/$n.key"
	chmod 600 "$tmp/$n.key"
done
A="-k $tmp/alice.key -c $pki/alice.pem"
ca="--no-system-ca --ca $pki/root-ca.pem"
verdict() { ar_result "$1" | sed 's/ .*//'; }
unar() { awk '!d && /^Authentication-Results:/ { p = 1; d = 1; next } p && /^[ \t]/ { next } { p = 0; print }' "$1"; }
dres() {
	awk '/^SMIME-Decrypt:/ { p = 1; printf "%s", $0; next }
	    p && /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next }
	    { p = 0 }' "$1" | sed 's/SMIME-Decrypt: //'
}
# timed DESC CMD: CMD exits 0 (not 75, not a crash), within $SLOW s.
timed() {
	_t0=$(date +%s)
	expect_code "$1: exit 0" 0 "$2"
	_t=$(($(date +%s) - _t0))
	[ "$_t" -le "$SLOW" ]
	_report $? "$1: within $SLOW s" "took $_t s"
	if [ -n "${ATTACK_DEBUG-}" ]; then
		case $2 in *v.eml*) _f=$tmp/v.eml ;; *) _f=$tmp/d.eml ;; esac
		echo "# $1 ($_t s): $(head -2 "$_f" | tr -d '\n' | cut -c1-160)"
	fi
}
msg() {
	printf 'From: %s\nTo: help@example.org\nSubject: big\nContent-Type: text/plain\n\nhello\n' "$1"
}

# A signed and an encrypted message to bury.
msg alice@example.com | smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" \
    --chain "$pki/sub-ca.pem" >"$tmp/s.eml"
smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
check_eq 'control: the signed message passes' "$(verdict "$tmp/v.eml")" pass
sed -n '/^Content-Type: multipart\/signed/,$p' "$tmp/s.eml" >"$tmp/s.part"
printf 'From: bob@example.com\nContent-Type: text/plain\n\nthe secret\n' |
    smime-encrypt -r "$pki/alice.pem" >"$tmp/e.eml"
sed -n '/^Content-Type: application\/pkcs7-mime/,$p' "$tmp/e.eml" >"$tmp/e.part"

# --- nesting -----------------------------------------------------------------
# nest N PART: N nested multipart/mixed around the entity in PART.
nest() {
	awk -v n="$1" -v part="$2" 'BEGIN {
		print "From: mallory@evil.example"; print "MIME-Version: 1.0"
		for (i = 0; i < n; i++)
			printf "Content-Type: multipart/mixed; boundary=\"n%d\"\n\n--n%d\n", i, i
		while ((getline l < part) > 0) print l
		for (i = n - 1; i >= 0; i--) printf "\n--n%d--\n", i
	}'
}
nest 5000 "$tmp/s.part" >"$tmp/n.eml"
nest 50 "$tmp/s.part" >"$tmp/n50.eml"
timed 'verify: a signed part under 5,000 multiparts' 'smime-verify $ca <"$tmp/n.eml" >"$tmp/v.eml"'
# deeper than the limit (100) is a leaf, not looked into: a signature
# may be in it, so not "none" but permerror
check_eq 'verify: 5,000 deep: permerror (past the depth limit nothing is looked into)' \
    "$(ar_result "$tmp/v.eml")" 'permerror (nested deeper than 100)'
smime-verify $ca --limit depth=40 <"$tmp/n50.eml" >"$tmp/v40.eml"
check_eq 'verify: 50 deep, --limit depth=40: permerror' \
    "$(ar_result "$tmp/v40.eml")" 'permerror (nested deeper than 40)'
nest 150 /dev/null >"$tmp/n150.eml"
smime-verify $ca <"$tmp/n150.eml" >"$tmp/v150.eml"
check_eq 'verify: nothing signed, 150 deep: permerror too' \
    "$(ar_result "$tmp/v150.eml")" 'permerror (nested deeper than 100)'
unar "$tmp/v.eml" >"$tmp/v.rest"
check_same 'verify: 5,000 deep: byte-exact' "$tmp/v.rest" "$tmp/n.eml"
smime-verify $ca <"$tmp/n50.eml" >"$tmp/v.eml"
check_eq 'verify: control: 50 deep (within the limit): neutral' "$(verdict "$tmp/v.eml")" neutral
nest 5000 "$tmp/e.part" >"$tmp/n.eml"
timed 'decrypt: an encrypted part under 5,000 multiparts' 'smime-decrypt $A <"$tmp/n.eml" >"$tmp/d.eml"'
check_grep 'decrypt: 5,000 deep: result=none, not decrypted' \
    '^mx\.example\.org; result=none \((not encrypted|only a nested part is encrypted: not decrypted)\)$' \
    "$(dres "$tmp/d.eml" >"$tmp/d.res"; echo "$tmp/d.res")"
undres "$tmp/d.eml" >"$tmp/d.rest"
check_same 'decrypt: 5,000 deep: byte-exact' "$tmp/d.rest" "$tmp/n.eml"
# A signature over 5,000 nested multiparts: the whole message is signed.
nest 5000 /dev/null | sed 's/^From: .*/From: alice@example.com/' >"$tmp/n.eml"
timed 'sign: 5,000 nested multiparts' \
    'smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" --chain "$pki/sub-ca.pem" <"$tmp/n.eml" >"$tmp/ns.eml"'
timed 'verify: a signature over 5,000 nested multiparts' 'smime-verify $ca <"$tmp/ns.eml" >"$tmp/v.eml"'
check_eq 'verify: a signature over 5,000 nested multiparts: pass (it is all signed)' \
    "$(verdict "$tmp/v.eml")" pass

# --- part count --------------------------------------------------------------
# parts N PART: one multipart/mixed of N empty text parts, then PART.
parts() {
	awk -v n="$1" -v part="$2" 'BEGIN {
		print "From: alice@example.com"; print "MIME-Version: 1.0"
		print "Content-Type: multipart/mixed; boundary=\"p\""; print ""
		for (i = 0; i < n; i++) printf "--p\nContent-Type: text/plain\n\n%d\n", i
		print "--p"
		while ((getline l < part) > 0) print l
		print "--p--"
	}'
}
parts 12000 "$tmp/s.part" >"$tmp/p.eml"
timed 'verify: 12,000 parts and a signed one' 'smime-verify $ca <"$tmp/p.eml" >"$tmp/v.eml"'
check_eq 'verify: 12,000 parts: permerror (over the entity limit)' "$(verdict "$tmp/v.eml")" permerror
unar "$tmp/v.eml" >"$tmp/v.rest"
check_same 'verify: 12,000 parts: byte-exact' "$tmp/v.rest" "$tmp/p.eml"
parts 12000 "$tmp/e.part" >"$tmp/p.eml"
timed 'decrypt: 12,000 parts and an encrypted one' 'smime-decrypt $A <"$tmp/p.eml" >"$tmp/d.eml"'
check_nogrep 'decrypt: 12,000 parts: not decrypted' 'result=pass|the secret' "$tmp/d.eml"
undres "$tmp/d.eml" >"$tmp/d.rest"
check_same 'decrypt: 12,000 parts: byte-exact' "$tmp/d.rest" "$tmp/p.eml"
# inside a signature: the signed content has too many parts
parts 12000 /dev/null >"$tmp/p.eml"
smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" --chain "$pki/sub-ca.pem" <"$tmp/p.eml" >"$tmp/ps.eml" 2>/dev/null
if [ -s "$tmp/ps.eml" ]; then
	timed 'verify: a signature over 12,000 parts' 'smime-verify $ca <"$tmp/ps.eml" >"$tmp/v.eml"'
	check_eq 'verify: a signature over 12,000 parts: permerror' "$(verdict "$tmp/v.eml")" permerror
else
	skip 'verify: a signature over 12,000 parts: exit 0' 'smime-sign refuses to sign it'
	skip 'verify: a signature over 12,000 parts: within 10 s' 'smime-sign refuses to sign it'
	skip 'verify: a signature over 12,000 parts: permerror' 'smime-sign refuses to sign it'
fi

# --- header size -------------------------------------------------------------
# An 8 MiB field, folded every 76 columns, before a signed message.
perl -e 'print "X-Junk:"; for (1 .. 110000) { print " ", "x" x 75, "\n" }' >"$tmp/h.eml"
cat "$tmp/s.eml" >>"$tmp/h.eml"
check_eq 'the field is over 8 MiB' "$(($(wc -c <"$tmp/h.eml") > 8 * 1024 * 1024))" 1
timed 'verify: an 8 MiB header field' 'smime-verify $ca <"$tmp/h.eml" >"$tmp/v.eml"'
check_eq 'verify: an 8 MiB header field: the signature still passes' "$(verdict "$tmp/v.eml")" pass
unar "$tmp/v.eml" >"$tmp/v.rest"
check_same 'verify: an 8 MiB header field: byte-exact' "$tmp/v.rest" "$tmp/h.eml"
timed 'decrypt: an 8 MiB header field' 'smime-decrypt $A <"$tmp/h.eml" >"$tmp/d.eml"'
undres "$tmp/d.eml" >"$tmp/d.rest"
check_same 'decrypt: an 8 MiB header field: byte-exact' "$tmp/d.rest" "$tmp/h.eml"
# One unfolded 4 MiB line.
{ printf 'X-Line: '; head -c 4194304 /dev/zero | tr '\0' y; printf '\n'; cat "$tmp/s.eml"; } >"$tmp/h.eml"
timed 'verify: a 4 MiB header line' 'smime-verify $ca <"$tmp/h.eml" >"$tmp/v.eml"'
check_eq 'verify: a 4 MiB header line: pass' "$(verdict "$tmp/v.eml")" pass
# A forged result of ours behind 4 MiB of comment: past the 64 KiB a
# field is parsed in, but it must not survive (fail safe: removed).
{ printf 'Authentication-Results: ('
  perl -e 'for (1 .. 55000) { print "x" x 75, "\n " }'
  printf ') mx.example.org; smime=pass\n'; cat "$tmp/s.eml"; } >"$tmp/h.eml"
sed 's/^hello$/hell0/' "$tmp/h.eml" >"$tmp/h2.eml"	# and make ours fail
timed 'verify: a forged pass behind 4 MiB of comment' 'smime-verify $ca <"$tmp/h2.eml" >"$tmp/v.eml"'
check_eq 'verify: behind 4 MiB of comment: ours says fail' "$(verdict "$tmp/v.eml")" fail
check_eq 'verify: behind 4 MiB of comment: the forged pass is gone' \
    "$(grep -c 'mx.example.org; smime=pass' "$tmp/v.eml")" 0
# A 4 MiB From put outside after signing: the signed From (smime-sign
# copies it inside, RFC 9788) is the one checked and shown; the outer
# one is noted, never shown.
{ printf 'From: "'; head -c 4194304 /dev/zero | tr '\0' z; printf '" <alice@example.com>\n'
  sed 1d "$tmp/s.eml"; } >"$tmp/h.eml"
timed 'verify: a 4 MiB From field' 'smime-verify $ca <"$tmp/h.eml" >"$tmp/v.eml"'
check_eq 'verify: a 4 MiB From field outside: noted' "$(ar_result "$tmp/v.eml")" \
    'pass (outer From differs from the protected header, hp=clear)'
check_nogrep 'verify: a 4 MiB From field outside: never shown' 'zzzz' "$tmp/v.eml"

# --- certificates in a signature -------------------------------------------
# 70 certificates (one key, 70 serials) from a throwaway CA.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/t.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/t.key" -subj /CN=throwaway -days 36500 -out "$tmp/t-ca.pem" 2>/dev/null
openssl req -new -key "$tmp/t.key" -subj /CN=filler -out "$tmp/t.csr" 2>/dev/null
: >"$tmp/70.pem"
i=1
while [ $i -le 70 ]; do
	openssl x509 -req -in "$tmp/t.csr" -CA "$tmp/t-ca.pem" -CAkey "$tmp/t.key" \
	    -set_serial $i -days 36500 2>/dev/null >>"$tmp/70.pem"
	i=$((i + 1))
done
printf 'Content-Type: text/plain\r\n\r\nhello\r\n' >"$tmp/c.txt"
tr -d '\r' <"$tmp/c.txt" >"$tmp/c.lf"
msigned() {	# msigned SIG-DER: a multipart/signed over c.lf from alice
	printf 'From: alice@example.com\nMIME-Version: 1.0\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"\n\n--sig\n'
	cat "$tmp/c.lf"
	printf '\n--sig\nContent-Type: application/pkcs7-signature\nContent-Transfer-Encoding: base64\n\n'
	openssl base64 -in "$1"
	printf '\n--sig--\n'
}
openssl cms -sign -binary -in "$tmp/c.txt" -signer "$pki/alice.pem" -inkey "$tmp/alice.key" \
    -certfile "$pki/sub-ca.pem" -outform DER -out "$tmp/c1.der"
msigned "$tmp/c1.der" >"$tmp/c1.eml"
smime-verify $ca <"$tmp/c1.eml" >"$tmp/v.eml"
check_eq 'control: the crafted multipart/signed passes' "$(verdict "$tmp/v.eml")" pass
cat "$pki/sub-ca.pem" "$tmp/70.pem" >"$tmp/71.pem"
openssl cms -sign -binary -in "$tmp/c.txt" -signer "$pki/alice.pem" -inkey "$tmp/alice.key" \
    -certfile "$tmp/71.pem" -outform DER -out "$tmp/c72.der"
check_eq 'the signature carries 72 certificates' \
    "$(openssl cms -cmsout -print -inform DER -in "$tmp/c72.der" | grep -c '^ *d.certificate:')" 72
msigned "$tmp/c72.der" >"$tmp/c72.eml"
timed 'verify: 72 certificates' 'smime-verify $ca <"$tmp/c72.eml" >"$tmp/v.eml"'
check_eq 'verify: 72 certificates: permerror' "$(verdict "$tmp/v.eml")" permerror

# --- signers -----------------------------------------------------------------
signers=''
for n in alice bob helpdesk expired notyet noemailprot signonly mismatch revoked; do
	signers="$signers -signer $pki/$n.pem -inkey $pki/$n.key"
done
openssl cms -sign -binary -in "$tmp/c.txt" $signers -certfile "$pki/sub-ca.pem" \
    -outform DER -out "$tmp/s9.der"
check_eq 'the signature has 9 SignerInfos' \
    "$(openssl cms -cmsout -print -inform DER -in "$tmp/s9.der" | grep -c '^ *signatureAlgorithm:')" 9
msigned "$tmp/s9.der" >"$tmp/s9.eml"
timed 'verify: 9 signers' 'smime-verify $ca <"$tmp/s9.eml" >"$tmp/v.eml"'
check_eq 'verify: 9 signers: permerror' "$(verdict "$tmp/v.eml")" permerror
# 9 SignerInfos of alice (the same certificate, -nocerts): still 9
signers=''
for n in 1 2 3 4 5 6 7 8 9; do signers="$signers -signer $pki/alice.pem -inkey $pki/alice.key"; done
cat "$pki/alice.pem" "$pki/sub-ca.pem" >"$tmp/ac.pem"
openssl cms -sign -binary -nocerts -in "$tmp/c.txt" $signers -certfile "$tmp/ac.pem" \
    -outform DER -out "$tmp/a9.der"
check_eq 'alice 9 times: 9 SignerInfos' \
    "$(openssl cms -cmsout -print -inform DER -in "$tmp/a9.der" | grep -c '^ *signatureAlgorithm:')" 9
msigned "$tmp/a9.der" >"$tmp/a9.eml"
timed 'verify: alice signing 9 times' 'smime-verify $ca <"$tmp/a9.eml" >"$tmp/v.eml"'
check_eq 'verify: alice signing 9 times: permerror' "$(verdict "$tmp/v.eml")" permerror

# --- recipients --------------------------------------------------------------
printf 'Content-Type: text/plain\n\nthe secret\n' >"$tmp/ent.txt"
openssl cms -encrypt -aes256 -in "$tmp/ent.txt" -outform DER -out "$tmp/r.der" \
    $(awk -v f="$pki/bob.pem" 'BEGIN { for (i = 0; i < 2999; i++) print f }') "$pki/alice.pem"
check_eq 'the EnvelopedData has 3,000 RecipientInfos' \
    "$(openssl cms -cmsout -print -inform DER -in "$tmp/r.der" | grep -c '^ *d.ktri:')" 3000
{ printf 'From: bob@example.com\nTo: alice@example.com\nMIME-Version: 1.0\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\nContent-Transfer-Encoding: base64\n\n'
  openssl base64 -in "$tmp/r.der"; } >"$tmp/r.eml"
timed 'decrypt: 3,000 recipients' 'smime-decrypt $A <"$tmp/r.eml" >"$tmp/d.eml"'
check_grep 'decrypt: 3,000 recipients: result=fail' '^mx\.example\.org; result=fail' \
    "$(dres "$tmp/d.eml" >"$tmp/d.res"; echo "$tmp/d.res")"
check_nogrep 'decrypt: 3,000 recipients: no plaintext' 'the secret' "$tmp/d.eml"

# --- chain depth -------------------------------------------------------------
# root c0, intermediates c1..c9, the signer c10 (EC: quick to make).
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' >"$tmp/ca.ext"
printf 'subjectAltName=email:deep@example.com\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n' >"$tmp/ee.ext"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/c0.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/c0.key" -subj /CN=deep0 -days 36500 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
    -out "$tmp/c0.pem" 2>/dev/null
: >"$tmp/deep.pem"
i=1
while [ $i -le 10 ]; do
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/c$i.key" 2>/dev/null
	subj=/CN=deep$i ext=$tmp/ca.ext
	[ $i -eq 10 ] && subj=/CN=deep@example.com ext=$tmp/ee.ext
	openssl req -new -key "$tmp/c$i.key" -subj "$subj" 2>/dev/null |
	    openssl x509 -req -CA "$tmp/c$((i - 1)).pem" -CAkey "$tmp/c$((i - 1)).key" \
	    -set_serial $i -days 36500 -extfile "$ext" -out "$tmp/c$i.pem" 2>/dev/null
	[ $i -lt 10 ] && cat "$tmp/c$i.pem" >>"$tmp/deep.pem"
	i=$((i + 1))
done
chmod 600 "$tmp/c10.key"
check_eq '9 intermediates: openssl verifies the chain' \
    "$(openssl verify -CAfile "$tmp/c0.pem" -untrusted "$tmp/deep.pem" "$tmp/c10.pem" 2>/dev/null)" "$tmp/c10.pem: OK"
msg deep@example.com | smime-sign -k "$tmp/c10.key" -c "$tmp/c10.pem" --chain "$tmp/deep.pem" >"$tmp/d9.eml"
timed 'verify: 9 intermediates' 'smime-verify --no-system-ca --ca "$tmp/c0.pem" <"$tmp/d9.eml" >"$tmp/v.eml"'
check_eq 'verify: 9 intermediates: permerror (certificate chain too long)' \
    "$(ar_result "$tmp/v.eml")" 'permerror (certificate chain too long)'

# --- huge RSA moduli ---------------------------------------------------------
cp "$testdir/attacks/rsa16384.key" "$tmp/big.key"
chmod 600 "$tmp/big.key"
check_eq 'the fixture is a 16384-bit RSA key' \
    "$(openssl pkey -in "$tmp/big.key" -noout -text | head -1)" 'Private-Key: (16384 bit, 5 primes)'
printf 'subjectAltName=email:big@example.com\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n' >"$tmp/big.ext"
openssl req -new -key "$tmp/big.key" -subj /CN=big@example.com 2>/dev/null |
    openssl x509 -req -CA "$pki/sub-ca.pem" -CAkey "$pki/sub-ca.key" -set_serial 0x7001 \
    -days 36500 -extfile "$tmp/big.ext" -out "$tmp/big.pem" 2>/dev/null
msg big@example.com | smime-sign -k "$tmp/big.key" -c "$tmp/big.pem" --chain "$pki/sub-ca.pem" >"$tmp/big.eml"
check_eq 'the 16384-bit signature is valid (openssl cms)' \
    "$(openssl cms -verify -in "$tmp/big.eml" -CAfile "$pki/root-ca.pem" -out /dev/null 2>/dev/null; echo $?)" 0
timed 'verify: a 16384-bit RSA signer' 'smime-verify $ca <"$tmp/big.eml" >"$tmp/v.eml"'
# smimetools(7) LIMITS: RSA keys up to 16384 bits, OpenSSL's own limit:
# pass, or permerror should a limit be added; never anything else.
check_grep 'verify: a 16384-bit RSA signer: pass or permerror' '^(pass|permerror)$' \
    "$(verdict "$tmp/v.eml" >"$tmp/r"; echo "$tmp/r")"
# A certificate with alice's issuer and serial and a 65536-bit modulus:
# the signer the SignerInfo names.  OpenSSL refuses such keys.
perl -e 'sub len { my $l = shift; return chr($l) if $l < 128; my $b = "";
	while ($l) { $b = chr($l & 255) . $b; $l >>= 8 } chr(0x80 | length $b) . $b }
    sub tlv { chr($_[0]) . len(length $_[1]) . $_[1] }
    srand(1); my $n = "\x00\xff" . join("", map { chr(int rand 256) } 1 .. 8190) . "\x01";
    my $alg = tlv(0x30, tlv(0x06, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01") . "\x05\x00");
    print tlv(0x30, $alg . tlv(0x03, "\x00" . tlv(0x30, tlv(0x02, $n) . tlv(0x02, "\x01\x00\x01"))))' |
    openssl pkey -pubin -inform DER -out "$tmp/huge.pub"
printf 'subjectAltName=email:alice@example.com\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n' >"$tmp/huge.ext"
openssl req -new -key "$tmp/alice.key" -subj /CN=alice@example.com 2>/dev/null |
    openssl x509 -req -force_pubkey "$tmp/huge.pub" -CA "$pki/sub-ca.pem" -CAkey "$pki/sub-ca.key" \
    -set_serial 0x1001 -days 36500 -extfile "$tmp/huge.ext" -out "$tmp/huge.pem" 2>/dev/null
check_eq 'the certificate claims a 65536-bit key' \
    "$(openssl x509 -in "$tmp/huge.pem" -noout -text | grep -o 'Public-Key: ([0-9]* bit)')" 'Public-Key: (65536 bit)'
openssl cms -sign -binary -in "$tmp/c.txt" -signer "$pki/alice.pem" -inkey "$tmp/alice.key" \
    -nocerts -certfile "$tmp/huge.pem" -outform DER -out "$tmp/huge.der"
msigned "$tmp/huge.der" >"$tmp/huge.eml"
timed 'verify: a 65536-bit RSA signer certificate' 'smime-verify $ca <"$tmp/huge.eml" >"$tmp/v.eml"'
check_grep 'verify: a 65536-bit RSA signer certificate: fail or permerror' '^(fail|permerror)$' \
    "$(verdict "$tmp/v.eml" >"$tmp/r"; echo "$tmp/r")"

done_testing
