#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Attacks from "Johnny, you are fired!" (Müller et al., USENIX
# Security 2019) on smime-verify, under the default policy (chain) with
# the test root as the only anchor:
#  - eContent confusion: a detached signature that carries content of its
#    own, an opaque SignedData in the place of a detached signature, and
#    an opaque signed part beside a displayed unsigned one;
#  - zero signers; several signers with one bad or untrusted;
#  - a signed part wrapped inside an unsigned multipart (neutral);
#  - the From address: another signer, a display name that looks like an
#    address, several From addresses;
#  - certificates carried by the message are never anchors: a self-signed
#    signer, a rogue chain, a rogue root named like ours, our own root
#    carried by a message when we trust nothing.
# Every crafted signature is first checked with openssl cms to be what the
# case says (valid over the content it carries, one signer bad, ...).
# ATTACK_DEBUG=1 in the environment prints each verdict as a TAP comment.
. "$(dirname "$0")/lib.sh"
plan 59

pki=$testdir/pki
for n in alice bob helpdesk untrusted mismatch selfsigned; do
	cp "$pki/$n.key" "$tmp/$n.key"
	chmod 600 "$tmp/$n.key"
done
ca="--no-system-ca --ca $pki/root-ca.pem"
verdict() { ar_result "$1" | sed 's/ .*//'; }
# The message with our (first) Authentication-Results taken out.
unar() { awk '!d && /^Authentication-Results:/ { p = 1; d = 1; next } p && /^[ \t]/ { next } { p = 0; print }' "$1"; }
# ours FILE: how many Authentication-Results of our id.
ours() { grep -Eci '^Authentication-Results:[[:space:]]*mx\.example\.org[[:space:]]*;' "$1"; }
msg() {	# msg FROM [TEXT]: a small message
	printf 'From: %s\nTo: help@example.org\nSubject: payment\nMessage-ID: <j@example.com>\nContent-Type: text/plain; charset=us-ascii\n\n%s\n' \
	    "$1" "${2:-please pay the invoice to the usual account}"
}
sign() {	# sign NAME FROM [options]: a message from FROM signed by NAME
	_who=$1 _from=$2
	shift 2
	msg "$_from" | smime-sign -k "$tmp/$_who.key" -c "$pki/$_who.pem" \
	    --chain "$pki/sub-ca.pem" "$@"
}
run() {	# run FILE [options]: smime-verify FILE into $tmp/v.eml, exit in $rc
	_f=$1
	shift
	smime-verify $ca "$@" <"$_f" >"$tmp/v.eml" 2>"$tmp/v.err"
	rc=$?
	[ -n "${ATTACK_DEBUG-}" ] && echo "# $_f $*: $(ar_result "$tmp/v.eml")"
}
b64() { openssl base64 -in "$1"; }
# multipart/signed around FIRST-PART-FILE with the DER signature SIG, of
# the signature content type TYPE (default application/pkcs7-signature).
msigned() {
	printf 'From: alice@example.com\nTo: help@example.org\nSubject: payment\nMIME-Version: 1.0\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"\n\n--sig\n'
	cat "$1"
	printf '\n--sig\nContent-Type: %s; name=smime.p7s\nContent-Transfer-Encoding: base64\n\n' \
	    "${3:-application/pkcs7-signature}"
	b64 "$2"
	printf '\n--sig--\n'
}

# --- eContent confusion ----------------------------------------------------
# The part shown, and the content the signature really carries.
printf 'Content-Type: text/plain\r\n\r\nI owe Mallory nothing.\r\n' >"$tmp/shown.txt"
printf 'Content-Type: text/plain\r\n\r\nI owe Mallory 1000 EUR.\r\n' >"$tmp/hidden.txt"
openssl cms -sign -binary -nodetach -in "$tmp/hidden.txt" -signer "$pki/alice.pem" \
    -inkey "$tmp/alice.key" -certfile "$pki/sub-ca.pem" -outform DER -out "$tmp/att.der"
check_eq 'the attached signature is valid over the hidden content' \
    "$(openssl cms -verify -binary -inform DER -in "$tmp/att.der" -CAfile "$pki/root-ca.pem" 2>/dev/null | tr -d '\r' | tail -1)" \
    'I owe Mallory 1000 EUR.'
tr -d '\r' <"$tmp/shown.txt" >"$tmp/shown.lf"
msigned "$tmp/shown.lf" "$tmp/att.der" >"$tmp/ec1.eml"
run "$tmp/ec1.eml"
check_eq 'detached signature carrying other content: exit 0' "$rc" 0
check_eq 'detached signature carrying other content: smime=fail' "$(verdict "$tmp/v.eml")" fail
run "$tmp/ec1.eml" --unwrap
check_eq 'the same with --unwrap: smime=fail' "$(verdict "$tmp/v.eml")" fail
unar "$tmp/v.eml" >"$tmp/v.rest"
check_same 'the same with --unwrap: byte-exact, nothing unwrapped' "$tmp/v.rest" "$tmp/ec1.eml"
check_nogrep 'the hidden content never appears in clear' '1000 EUR' "$tmp/v.eml"
# The same attached signature presented as application/pkcs7-mime (an
# opaque SignedData where the detached signature belongs).
msigned "$tmp/shown.lf" "$tmp/att.der" 'application/pkcs7-mime; smime-type=signed-data' >"$tmp/ec2.eml"
run "$tmp/ec2.eml" --unwrap
check_eq 'an opaque SignedData as the signature part: exit 0' "$rc" 0
check_eq 'an opaque SignedData as the signature part: permerror' "$(verdict "$tmp/v.eml")" permerror
check_eq 'an opaque SignedData as the signature part: one field of ours' "$(ours "$tmp/v.eml")" 1
check_nogrep 'an opaque SignedData as the signature part: no hidden content' '1000 EUR' "$tmp/v.eml"
# A detached signature over the hidden text, beside the shown text: the
# signature is valid, but not over what is shown.
openssl cms -sign -binary -in "$tmp/hidden.txt" -signer "$pki/alice.pem" \
    -inkey "$tmp/alice.key" -certfile "$pki/sub-ca.pem" -outform DER -out "$tmp/det.der"
msigned "$tmp/shown.lf" "$tmp/det.der" >"$tmp/ec3.eml"
run "$tmp/ec3.eml"
check_eq 'a detached signature over other content: smime=fail' "$(verdict "$tmp/v.eml")" fail
# An opaque signed part beside a displayed unsigned part: only part of
# the message is signed, and the nested opaque part is not unwrapped.
msg alice@example.com 'I owe Mallory 1000 EUR.' |
    smime-sign --opaque -k "$tmp/alice.key" -c "$pki/alice.pem" --chain "$pki/sub-ca.pem" >"$tmp/op.eml"
run "$tmp/op.eml"
check_eq 'the opaque signed message alone passes' "$(verdict "$tmp/v.eml")" pass
for t in mixed alternative; do
	{ printf 'From: alice@example.com\nTo: help@example.org\nSubject: payment\nMIME-Version: 1.0\nContent-Type: multipart/%s; boundary="b"\n\n--b\n' $t
	  cat "$tmp/shown.lf"
	  printf '\n--b\n'
	  sed -n '/^Content-Type/,$p' "$tmp/op.eml"
	  printf '\n--b--\n'; } >"$tmp/ec4.eml"
	run "$tmp/ec4.eml"
	check_eq "multipart/$t: shown text beside an opaque signed part: neutral" \
	    "$(verdict "$tmp/v.eml")" neutral
	unar "$tmp/v.eml" >"$tmp/v.rest"
	check_same "multipart/$t: the nested opaque part stays wrapped, byte-exact" \
	    "$tmp/v.rest" "$tmp/ec4.eml"
done

# --- zero signers ------------------------------------------------------------
# A degenerate SignedData (certificates only, no SignerInfo) as the
# detached signature.
openssl crl2pkcs7 -nocrl -certfile "$pki/alice.pem" -outform DER -out "$tmp/nosig.der"
check_eq 'the certs-only SignedData has an empty signerInfos' \
    "$(openssl asn1parse -inform DER -in "$tmp/nosig.der" | awk '/d=3/ && /SET/ { s = $0 } END { print (s ~ /l= *0 /) ? "empty" : s }')" empty
msigned "$tmp/shown.lf" "$tmp/nosig.der" >"$tmp/z1.eml"
run "$tmp/z1.eml"
check_eq 'zero signers, detached: exit 0' "$rc" 0
check_eq 'zero signers, detached: permerror' "$(verdict "$tmp/v.eml")" permerror
# An opaque SignedData of our own with its signerInfos emptied: the
# content must not be unwrapped.
body "$tmp/op.eml" | openssl base64 -d >"$tmp/op.der"
set -- $(openssl asn1parse -inform DER -in "$tmp/op.der" |
    awk '/d=3 / && /cons: *SET/ { split($1, a, ":"); split($2, h, "="); l = $0; sub(/.*l= */, "", l); sub(/ .*/, "", l); o = a[1]; n = h[2] + l } END { print o, n }')
perl -0777 -pe "substr(\$_, $1, $2) = \"\\x31\\x00\"" "$tmp/op.der" >"$tmp/z2.der"
check_eq 'zero signers, opaque: openssl sees no signer' \
    "$(openssl cms -cmsout -print -inform DER -in "$tmp/z2.der" | grep -c 'signerInfos:')$(openssl cms -cmsout -print -inform DER -in "$tmp/z2.der" | grep -c 'sid:')" 10
{ hdr "$tmp/op.eml"; b64 "$tmp/z2.der"; } >"$tmp/z2.eml"
run "$tmp/z2.eml"
check_eq 'zero signers, opaque: exit 0' "$rc" 0
check_eq 'zero signers, opaque: permerror' "$(verdict "$tmp/v.eml")" permerror
check_nogrep 'zero signers, opaque: its content is not unwrapped' '1000 EUR' "$tmp/v.eml"

# --- several signers, one bad --------------------------------------------
openssl cms -sign -binary -in "$tmp/shown.txt" -signer "$pki/alice.pem" -inkey "$tmp/alice.key" \
    -signer "$pki/bob.pem" -inkey "$tmp/bob.key" -certfile "$pki/sub-ca.pem" \
    -outform DER -out "$tmp/two.der"
check_eq 'two signers: openssl cms verifies both' \
    "$(openssl cms -verify -binary -inform DER -in "$tmp/two.der" -content "$tmp/shown.txt" -CAfile "$pki/root-ca.pem" -out /dev/null 2>/dev/null; echo $?)" 0
# The last byte of the DER is the last byte of the last SignerInfo's
# signature (no unsigned attributes): that signer is now bad.
perl -0777 -pe 'substr($_, -1, 1) ^= "\x01"' "$tmp/two.der" >"$tmp/twobad.der"
check_eq 'two signers, one bad: openssl cms fails' \
    "$(openssl cms -verify -binary -inform DER -in "$tmp/twobad.der" -content "$tmp/shown.txt" -CAfile "$pki/root-ca.pem" -out /dev/null 2>/dev/null; echo $?)" 4
msigned "$tmp/shown.lf" "$tmp/twobad.der" >"$tmp/s2.eml"
run "$tmp/s2.eml"
check_eq 'two signers, one signature bad: exit 0' "$rc" 0
check_eq 'two signers, one signature bad: smime=fail' "$(verdict "$tmp/v.eml")" fail
run "$tmp/s2.eml" --policy signature
check_eq 'two signers, one signature bad, --policy signature: smime=fail' "$(verdict "$tmp/v.eml")" fail
# alice (trusted, the From address) and a valid signer from a rogue CA
openssl cms -sign -binary -in "$tmp/shown.txt" -signer "$pki/alice.pem" -inkey "$tmp/alice.key" \
    -signer "$pki/untrusted.pem" -inkey "$tmp/untrusted.key" -certfile "$pki/sub-ca.pem" \
    -outform DER -out "$tmp/tu.der"
check_eq 'alice and untrusted: both signatures valid (openssl, no chain check)' \
    "$(openssl cms -verify -noverify -binary -inform DER -in "$tmp/tu.der" -content "$tmp/shown.txt" -out /dev/null 2>/dev/null; echo $?)" 0
msigned "$tmp/shown.lf" "$tmp/tu.der" >"$tmp/s3.eml"
run "$tmp/s3.eml"
check_eq 'a second, untrusted signer: policy (untrusted)' "$(ar_result "$tmp/v.eml" | sed 's/).*/)/')" 'policy (untrusted)'

# --- a signed part inside an unsigned multipart --------------------------
sign alice alice@example.com >"$tmp/s.eml"
run "$tmp/s.eml"
check_eq 'the signed message alone passes' "$(verdict "$tmp/v.eml")" pass
# the signed entity (its Content-* header and body) as a part
sed -n '/^Content-Type: multipart\/signed/,$p' "$tmp/s.eml" >"$tmp/s.part"
{ printf 'From: alice@example.com\nTo: help@example.org\nSubject: payment\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="wrap"\n\n--wrap\nContent-Type: text/plain\n\nPay Mallory instead: 1000 EUR.\n--wrap\n'
  cat "$tmp/s.part"; printf '\n--wrap--\n'; } >"$tmp/w1.eml"
run "$tmp/w1.eml"
check_eq 'unsigned text before a signed part: exit 0' "$rc" 0
check_eq 'unsigned text before a signed part: neutral' "$(verdict "$tmp/v.eml")" neutral
unar "$tmp/v.eml" >"$tmp/v.rest"
check_same 'unsigned text before a signed part: byte-exact' "$tmp/v.rest" "$tmp/w1.eml"
{ printf 'From: alice@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="wrap"\n\n--wrap\n'
  cat "$tmp/s.part"; printf '\n--wrap--\nepilogue: Pay Mallory instead.\n'; } >"$tmp/w2.eml"
run "$tmp/w2.eml"
check_eq 'the signed part alone in an unsigned multipart: neutral' "$(verdict "$tmp/v.eml")" neutral
run "$tmp/w2.eml" --unwrap
check_eq 'the same with --unwrap: neutral' "$(verdict "$tmp/v.eml")" neutral
unar "$tmp/v.eml" >"$tmp/v.rest"
check_same 'the same with --unwrap: nothing unwrapped' "$tmp/v.rest" "$tmp/w2.eml"

# --- the From address --------------------------------------------------
sign bob alice@example.com >"$tmp/f1.eml"
run "$tmp/f1.eml"
check_eq 'valid signature by bob, From alice: policy (address mismatch)' \
    "$(ar_result "$tmp/v.eml")" 'policy (address mismatch)'
run "$tmp/f1.eml" --policy signature
check_eq 'the same under --policy signature: pass (no address check)' "$(verdict "$tmp/v.eml")" pass
sign alice '"alice@example.com" <mallory@evil.example>' >"$tmp/f2.eml"
run "$tmp/f2.eml"
check_eq 'display name "alice@example.com" <mallory@evil.example>: policy (ambiguous From)' \
    "$(ar_result "$tmp/v.eml")" 'policy (address mismatch: ambiguous From)'
sign alice 'mallory@evil.example (alice@example.com)' >"$tmp/f3.eml"
run "$tmp/f3.eml"
check_eq 'an address in a comment: policy (ambiguous From)' \
    "$(ar_result "$tmp/v.eml")" 'policy (address mismatch: ambiguous From)'
sign alice 'alice@example.com, mallory@evil.example' >"$tmp/f4.eml"
run "$tmp/f4.eml"
check_grep 'two From addresses: policy' '^policy \((several From addresses|address mismatch)' \
    "$(ar_result "$tmp/v.eml" >"$tmp/r"; echo "$tmp/r")"
sign alice 'mallory@evil.example, alice@example.com' >"$tmp/f5.eml"
run "$tmp/f5.eml"
check_grep 'two From addresses, ours second: policy' '^policy \((several From addresses|address mismatch)' \
    "$(ar_result "$tmp/v.eml" >"$tmp/r"; echo "$tmp/r")"
# A From added outside after signing: the signed entity carries alice's
# From (RFC 9788, hp="clear"), and that is the one checked and shown;
# mallory's never is.  (Needs the receiving side of header protection:
# smime-verify checks and delivers the protected From.)
{ printf 'From: mallory@evil.example\n'; sign alice alice@example.com; } >"$tmp/f6.eml"
run "$tmp/f6.eml"
check_eq 'a From added outside after signing: the signed From is checked: pass' \
    "$(verdict "$tmp/v.eml")" pass
check_nogrep 'a From added outside after signing: never shown' \
    '^From: mallory@evil\.example' "$tmp/v.eml"
sign alice 'Friends: alice@example.com, mallory@evil.example;' >"$tmp/f7.eml"
run "$tmp/f7.eml"
check_grep 'a group of two in From: policy' '^policy \((several From addresses|address mismatch)' \
    "$(ar_result "$tmp/v.eml" >"$tmp/r"; echo "$tmp/r")"
# a certificate whose CN is alice's address but whose SAN is mallory's
sign mismatch alice@example.com >"$tmp/f8.eml"
run "$tmp/f8.eml"
check_eq 'CN alice@example.com, SAN mallory: policy (address mismatch)' \
    "$(ar_result "$tmp/v.eml")" 'policy (address mismatch)'
check_grep 'the identifier is the SAN, not the CN' 'body\.smime-identifier=mallory@example\.com' "$tmp/v.eml"
sign alice '"Alice" <ALICE@EXAMPLE.COM>' >"$tmp/f9.eml"
run "$tmp/f9.eml"
check_eq 'control: the right address in another case still passes' "$(verdict "$tmp/v.eml")" pass

# --- certificates carried by the message are no anchors -------------------
msg selfsigned@example.com | smime-sign -k "$tmp/selfsigned.key" -c "$pki/selfsigned.pem" >"$tmp/a1.eml"
run "$tmp/a1.eml"
check_eq 'self-signed signer carried by the message: policy (untrusted)' \
    "$(ar_result "$tmp/v.eml" | sed 's/).*/)/')" 'policy (untrusted)'
msg untrusted@example.com | smime-sign -k "$tmp/untrusted.key" -c "$pki/untrusted.pem" \
    --chain "$pki/rogue-ca.pem" >"$tmp/a2.eml"
check_eq 'the rogue chain is in the message' \
    "$(openssl cms -cmsout -print -in "$tmp/a2.eml" | grep -c 'smimetools Rogue CA' | sed 's/^[1-9][0-9]*$/yes/')" yes
run "$tmp/a2.eml"
check_eq 'a rogue root carried by the message: policy (untrusted)' \
    "$(ar_result "$tmp/v.eml" | sed 's/).*/)/')" 'policy (untrusted)'
# A rogue root with exactly our root's name, issuing alice@example.com.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/fake-root.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/fake-alice.key" 2>/dev/null
chmod 600 "$tmp/fake-alice.key"
openssl req -x509 -new -key "$tmp/fake-root.key" -days 36500 \
    -subj "$(openssl x509 -in "$pki/root-ca.pem" -noout -subject -nameopt compat | sed 's/^subject=//')" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -out "$tmp/fake-root.pem" 2>/dev/null
check_eq 'the fake root has our root'"'"'s subject' \
    "$(openssl x509 -in "$tmp/fake-root.pem" -noout -subject)" "$(openssl x509 -in "$pki/root-ca.pem" -noout -subject)"
printf 'subjectAltName=email:alice@example.com\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nbasicConstraints=CA:FALSE\n' >"$tmp/ee.ext"
openssl req -new -key "$tmp/fake-alice.key" -subj /CN=alice@example.com 2>/dev/null |
    openssl x509 -req -CA "$tmp/fake-root.pem" -CAkey "$tmp/fake-root.key" -set_serial 4097 \
    -days 36500 -extfile "$tmp/ee.ext" -out "$tmp/fake-alice.pem" 2>/dev/null
msg alice@example.com | smime-sign -k "$tmp/fake-alice.key" -c "$tmp/fake-alice.pem" \
    --chain "$tmp/fake-root.pem" >"$tmp/a3.eml"
run "$tmp/a3.eml" --policy signature
check_eq 'the fake alice signature is valid (--policy signature)' "$(verdict "$tmp/v.eml")" pass
run "$tmp/a3.eml"
check_eq 'a rogue root named like our root: policy (untrusted)' \
    "$(ar_result "$tmp/v.eml" | sed 's/).*/)/')" 'policy (untrusted)'
# Our own root carried by the message, and nothing trusted: no pass.
sign alice alice@example.com --chain "$pki/chain.pem" >"$tmp/a4.eml"
check_eq 'the message carries our root' \
    "$(openssl cms -cmsout -print -in "$tmp/a4.eml" | grep -c 'subject: O=smimetools test, CN=smimetools Test Root CA' | sed 's/^[1-9][0-9]*$/yes/')" yes
smime-verify --no-system-ca <"$tmp/a4.eml" >"$tmp/v.eml"
check_eq 'a root carried by the message, no anchor configured: policy (untrusted)' \
    "$(ar_result "$tmp/v.eml" | sed 's/).*/)/')" 'policy (untrusted)'
smime-verify --no-system-ca --ca "$pki/rogue-ca.pem" <"$tmp/a4.eml" >"$tmp/v.eml"
check_eq 'a root carried by the message, another anchor configured: policy (untrusted)' \
    "$(ar_result "$tmp/v.eml" | sed 's/).*/)/')" 'policy (untrusted)'
run "$tmp/a4.eml"
check_eq 'control: with our root as anchor it passes' "$(verdict "$tmp/v.eml")" pass

done_testing
