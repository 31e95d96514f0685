#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Bouncy Castle (Debian 12's 1.72, Java) as an independent peer, both
# directions: it shares no code with OpenSSL, so a shared misreading of
# RFC 8419 (Ed25519, Ed448), RFC 8418 (X25519, X448) or RFC 8103
# (ChaCha20-Poly1305) cannot pass here.  testdata/bc/Peer.java, compiled
# into $tmp, does each step's operations in one JVM run; each cell is an
# assertion:
#  - BC signs (Ed25519, Ed448, RSA, P-256; multipart/signed and opaque
#    application/pkcs7-mime, the opaque one streamed: BER; Ed25519 and
#    RSA also without signed attributes) -> smime-verify says pass;
#  - smime-sign (RSA, P-256, Ed25519; detached and opaque) -> BC verifies,
#    and the content it verified is the message's;
#  - BC encrypts to RSA, P-256, X25519, X448 (AES-CBC, AES-GCM,
#    ChaCha20-Poly1305; key agreement with the X9.63 KDF) ->
#    smime-decrypt gives back the entity byte for byte;
#  - smime-encrypt to RSA, P-256 (--cipher aes-256-cbc, aes-256-gcm,
#    chacha20-poly1305) -> BC decrypts it byte for byte; to X25519 and
#    X448 -> hkdf.py (below) does; to RSA, X25519 and P-256 at once ->
#    BC decrypts for RSA and P-256 beside the X25519 RecipientInfo it
#    cannot use.
# What BC 1.72's CMS cannot do, and what stands in (Peer.java says how):
#  - HKDF (RFC 8418) as the KDF of key agreement, which smime-encrypt uses
#    by default for X25519 and X448: testdata/bc/hkdf.py
#    (python3-cryptography's X25519, X448, HKDF and AES key wrap)
#    decrypts those messages and encrypts with HKDF for smime-decrypt;
#    it also decrypts one of BC's X25519 messages (X9.63 KDF), so the
#    two peers check each other;
#  - X25519 and X448 key agreement: its CMS asks the provider for the
#    agreement named by the OID, which its provider gives for EC only;
#    Peer's provider chooses BC's own X25519/X448 agreement by the key;
#  - producing ChaCha20-Poly1305 AuthEnvelopedData: Peer supplies the
#    content encryptor (BC's ChaCha20-Poly1305 cipher); BC decrypts it
#    unaided.
# The Ed25519, Ed448, X25519 and X448 certificates are made here, issued
# by the test PKI's sub CA (OpenSSL 3.0 issues an X25519 certificate from
# a request signed by another key with -force_pubkey).
. "$(dirname "$0")/lib.sh"

cp="/usr/share/java/bcprov.jar:/usr/share/java/bcpkix.jar:/usr/share/java/bcutil.jar"
for f in $(echo "$cp" | tr : ' '); do
	if [ ! -r "$f" ]; then
		echo "1..0 # SKIP no $f: scripts/install-deps installs Bouncy Castle"
		exit 0
	fi
done
if ! command -v javac >/dev/null 2>&1; then
	echo "1..0 # SKIP no javac: scripts/install-deps installs default-jdk-headless"
	exit 0
fi

plan 233

pki=$testdir/pki
ca="--no-system-ca --ca $pki/root-ca.pem"
private_keys alice carol

# A short run gains nothing from the optimising compiler and the parallel
# collector, and the machine is shared: the client compiler only, and the
# serial collector, halve the CPU time of javac and of each run.
jopts="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
ok 'javac compiles the Bouncy Castle peer' \
    'javac -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -nowarn -d "$tmp/classes" -cp "$cp" "$testdir/bc/Peer.java"'
peer() {
	java $jopts -cp "$tmp/classes:$cp" Peer "$@"
}

# mkcert NAME ALG KU SERIAL: NAME.key and NAME.pem (NAME@example.com)
# issued by the sub CA, and NAME.chain (the sub CA after it), in $tmp.
# An X25519/X448 key cannot sign its request: an Ed25519 key signs it and
# -force_pubkey puts NAME.key's public key in the certificate.
mkcert() {
	m_req=$tmp/$1.key m_force=
	case $2 in
	x*)	m_req=$tmp/$1.reqkey m_force="-force_pubkey $tmp/$1.pub"
		openssl genpkey -algorithm ed25519 -out "$m_req" || return ;;
	esac
	openssl genpkey -algorithm "$2" -out "$tmp/$1.key" &&
	chmod 600 "$tmp/$1.key" &&
	openssl pkey -in "$tmp/$1.key" -pubout -out "$tmp/$1.pub" &&
	printf '%s\n' '[e]' "subjectAltName=email:$1@example.com" \
	    "keyUsage=critical,$3" extendedKeyUsage=emailProtection \
	    basicConstraints=critical,CA:FALSE subjectKeyIdentifier=hash \
	    authorityKeyIdentifier=keyid >"$tmp/$1.ext" &&
	openssl req -new -key "$m_req" \
	    -subj "/O=smimetools test/CN=$1@example.com" -out "$tmp/$1.csr" &&
	openssl x509 -req -in "$tmp/$1.csr" -CA "$pki/sub-ca.pem" \
	    -CAkey "$pki/sub-ca.key" -set_serial "0x$4" -days 36500 \
	    -extfile "$tmp/$1.ext" -extensions e $m_force -out "$tmp/$1.pem" &&
	cat "$tmp/$1.pem" "$pki/sub-ca.pem" >"$tmp/$1.chain"
}
ok 'an Ed25519 signing certificate' 'mkcert ed25519 ed25519 digitalSignature 2001'
ok 'an Ed448 signing certificate' 'mkcert ed448 ed448 digitalSignature 2002'
ok 'an X25519 key agreement certificate' 'mkcert x25519 x25519 keyAgreement 2003'
ok 'an X448 key agreement certificate' 'mkcert x448 x448 keyAgreement 2004'
openssl x509 -in "$tmp/x25519.pem" -noout -text >"$tmp/x25519.txt" 2>&1
check_grep 'the X25519 certificate holds an X25519 key' \
    'Public Key Algorithm: X25519' "$tmp/x25519.txt"
for n in alice carol; do
	cp "$pki/$n.pem" "$tmp/$n.pem"
	cat "$pki/$n.pem" "$pki/sub-ca.pem" >"$tmp/$n.chain"
done

# The entity signed and encrypted: a multipart with trailing blanks, a
# "From " line and a base64 part.
cat >"$tmp/ent" <<'EOF'
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

hello from the other side
  trailing blanks   
From the start of a line
.

--b1
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

AAECAwQFBgcICQ==
--b1--
EOF
crlf "$tmp/ent" >"$tmp/ent.crlf"
hdrof() {	# hdrof NAME: the outer header of a message from NAME
	printf '%s\n' "From: $1@example.com" 'To: help@example.org' \
	    "Subject: bc $1" 'Date: Mon, 07 Dec 2026 12:00:00 +0000' \
	    "Message-ID: <$1@example.com>" >"$tmp/$1.hdr"
}
for n in ed25519 ed448 alice carol x25519 x448; do
	hdrof $n
done

### (1) BC signs and encrypts, one JVM run.
ops=
# The -direct ones have no signed attributes: the signature is over the
# content itself.
signs="ed25519:detached ed25519:opaque ed448:detached ed448:opaque
alice:detached alice:opaque carol:detached carol:opaque
ed25519:detached-direct ed25519:opaque-direct alice:detached-direct"
for s in $signs; do
	n=${s%:*} m=${s#*:}
	ops="$ops sign $n-$m $tmp/$n.key $tmp/$n.chain $m $tmp/$n.hdr $tmp/ent $tmp/bc-$n-$m.eml --"
done
for r in alice carol x25519 x448; do
	for c in aes-128-cbc aes-256-cbc aes-128-gcm aes-256-gcm chacha20-poly1305; do
		ops="$ops encrypt $r-$c $tmp/$r.pem $c $tmp/$r.hdr $tmp/ent.crlf $tmp/bc-$r-$c.eml --"
	done
done
peer $ops >"$tmp/bc1.out" 2>&1
for s in $signs; do
	n=${s%:*} m=${s#*:}
	check_grep "BC signs $n $m" "^sign $n-$m: ok" "$tmp/bc1.out"
	check_eq "BC $n $m -> smime-verify: pass" \
	    "$(smime-verify $ca <"$tmp/bc-$n-$m.eml" | ar_result /dev/stdin)" pass
done
body "$tmp/bc-ed25519-opaque.eml" | tr -d '\r' | openssl base64 -d |
    openssl asn1parse -inform DER >"$tmp/asn1" 2>&1
check_grep 'the BC opaque signature is BER (indefinite length)' 'l=inf' \
    "$tmp/asn1"
body "$tmp/bc-ed25519-opaque-direct.eml" | tr -d '\r' | openssl base64 -d |
    openssl cms -cmsout -print -inform DER 2>&1 |
    grep -A1 'signedAttrs:' >"$tmp/direct.attrs"
check_grep 'BC -direct: no signed attributes' '<ABSENT>' "$tmp/direct.attrs"
# smime-verify --unwrap of an opaque one: the entity BC signed.
smime-verify $ca --unwrap <"$tmp/bc-ed25519-opaque.eml" >"$tmp/unwrapped" 2>/dev/null
body "$tmp/unwrapped" >"$tmp/unwrapped.body"
body "$tmp/ent.crlf" >"$tmp/ent.body"
check_same 'BC Ed25519 opaque -> smime-verify --unwrap: the signed body' \
    "$tmp/unwrapped.body" "$tmp/ent.body"
# Signatures BC made, one byte of the content changed: fail.
for n in alice ed25519; do
	sed 's/hello from the other side/hello from the other sidf/' \
	    "$tmp/bc-$n-detached.eml" >"$tmp/forged-$n.eml"
	check_eq "BC $n detached, content altered -> fail" \
	    "$(smime-verify $ca <"$tmp/forged-$n.eml" | ar_result /dev/stdin |
	    sed 's/ .*//')" fail
done

# sd FILE: our SMIME-Decrypt field unfolded, without its name.
sd() {
	lf "$1" | hdres /dev/stdin
}
# hdrset FILE: the header less SMIME-Decrypt, CR removed, sorted.
hdrset() {
	awk '{ sub(/\r$/, "") } /^$/ { exit }
	    /^[ \t]/ { if (!s) print; next }
	    { s = $0 ~ /^SMIME-Decrypt:/; if (!s) print }' "$1" | sort
}
# ourdec R CIPHER INTEGRITY MSG: smime-decrypt MSG for R; the field, the
# body byte for byte, the header (the outer fields, MIME-Version, the
# entity's Content-Type).
ourdec() {
	d_r=$1 d_c=$2 d_i=$3 d_m=$4 d_n=${4##*/}
	d_n=${d_n%.eml}
	ok "$d_n -> smime-decrypt" \
	    'smime-decrypt -k "$tmp/$d_r.key" -c "$tmp/$d_r.pem" <"$d_m" >"$tmp/$d_n.out"'
	check_eq "$d_n: SMIME-Decrypt" "$(sd "$tmp/$d_n.out")" \
	    "mx.example.org; result=pass; cipher=$d_c; integrity=$d_i; recipient=sha256:X; hp=none"
	body "$tmp/$d_n.out" >"$tmp/$d_n.body"
	check_same "$d_n: the body, byte for byte" "$tmp/$d_n.body" "$tmp/ent.body"
	{ lf "$tmp/$d_r.hdr"; echo 'MIME-Version: 1.0'; sed -n 1p "$tmp/ent"; } |
	    sort >"$tmp/$d_n.hwant"
	hdrset "$tmp/$d_n.out" >"$tmp/$d_n.hdr"
	check_same "$d_n: the header, the inner Content-Type in" \
	    "$tmp/$d_n.hdr" "$tmp/$d_n.hwant"
}
for r in alice carol x25519 x448; do
	for c in aes-128-cbc aes-256-cbc aes-128-gcm aes-256-gcm chacha20-poly1305; do
		check_grep "BC encrypts $c to $r" "^encrypt $r-$c: ok" "$tmp/bc1.out"
		case $c in
		*-cbc) i=none ;;
		*) i=authenticated ;;
		esac
		ourdec $r $c $i "$tmp/bc-$r-$c.eml"
	done
done

# BC's authenticated messages with one bit of the ciphertext (or the tag)
# flipped, 40 bytes before the end: no pass, no plaintext.
flip() {	# flip MSG OUT: MSG with that bit flipped
	python3 -c 'import base64, re, sys
h, _, b = open(sys.argv[1], "rb").read().partition(b"\r\n\r\n")
d = bytearray(base64.b64decode(re.sub(rb"\s", b"", b)))
d[-40] ^= 1
b = base64.encodebytes(bytes(d)).replace(b"\n", b"\r\n")
open(sys.argv[2], "wb").write(h + b"\r\n\r\n" + b)' "$1" "$2"
}
for rc in x25519:chacha20-poly1305 x448:aes-256-gcm alice:aes-128-gcm; do
	r=${rc%:*} c=${rc#*:}
	flip "$tmp/bc-$r-$c.eml" "$tmp/flip-$r-$c.eml"
	smime-decrypt -k "$tmp/$r.key" -c "$tmp/$r.pem" <"$tmp/flip-$r-$c.eml" \
	    >"$tmp/flip-$r-$c.out" 2>/dev/null
	sd "$tmp/flip-$r-$c.out" >"$tmp/flip-$r-$c.sd"
	check_grep "BC $c to $r, a bit flipped: no pass" \
	    'result=(fail|permerror)' "$tmp/flip-$r-$c.sd"
	check_nogrep "BC $c to $r, a bit flipped: no plaintext" \
	    'hello from the other side|trailing blanks' "$tmp/flip-$r-$c.out"
done

# Key agreement with HKDF, which BC 1.72 cannot do: hkdf.py encrypts
# (with and without ukm), in one run with its reading of one of BC's
# X25519 messages (X9.63 KDF): the two peers check each other, BC is not
# merely agreeing with itself.
hkdf() {
	python3 "$testdir/bc/hkdf.py" "$@"
}
hks="x25519:aes-256-cbc:hkdf-sha256:- x25519:aes-256-gcm:hkdf-sha256:0123456789abcdef
x25519:chacha20-poly1305:hkdf-sha256:- x448:aes-256-gcm:hkdf-sha512:-
x448:chacha20-poly1305:hkdf-sha256:00"
ops=
for h in $hks; do
	IFS=: read -r r c k u <<EOF
$h
EOF
	ops="$ops encrypt hk-$r-$c-$k-$u $tmp/$r.pem $c $k $u $tmp/$r.hdr $tmp/ent.crlf $tmp/hk-$r-$c-$k.eml --"
done
ops="$ops decrypt bc-x25519 $tmp/x25519.key $tmp/x25519.pem $tmp/bc-x25519-aes-256-gcm.eml $tmp/hk-bc.dec"
hkdf $ops >"$tmp/hk1.out" 2>&1
for h in $hks; do
	IFS=: read -r r c k u <<EOF
$h
EOF
	check_grep "hkdf.py encrypts $c to $r ($k, ukm $u)" \
	    "^encrypt hk-$r-$c-$k-$u: ok" "$tmp/hk1.out"
	case $c in
	*-cbc) i=none ;;
	*) i=authenticated ;;
	esac
	ourdec $r $c $i "$tmp/hk-$r-$c-$k.eml"
done
check_grep "hkdf.py decrypts BC's X25519 message (X9.63 SHA-256 KDF)" \
    '^decrypt bc-x25519: ok X25519 x963-sha256 aes256-wrap aes-256-gcm' \
    "$tmp/hk1.out"
check_same "hkdf.py: BC's X25519 plaintext is the entity" "$tmp/hk-bc.dec" \
    "$tmp/ent.crlf"

### (2) We sign and encrypt; BC verifies and decrypts, one JVM run.
cat >"$tmp/msg.eml" <<'EOF'
From: NAME@example.com
To: help@example.org
Subject: to bc
Date: Mon, 07 Dec 2026 12:00:00 +0000
Message-ID: <to-bc@example.com>
MIME-Version: 1.0
EOF
cat "$tmp/ent" >>"$tmp/msg.eml"
ops=
for n in alice carol ed25519; do
	sed "s/NAME/$n/" "$tmp/msg.eml" >"$tmp/$n.msg"
	for m in detached opaque; do
		ok "smime-sign $n --$m" \
		    'smime-sign -k "$tmp/$n.key" -c "$tmp/$n.pem" --chain "$pki/sub-ca.pem" --$m <"$tmp/$n.msg" >"$tmp/our-$n-$m.eml"'
		ops="$ops verify $n-$m $pki/chain.pem $tmp/our-$n-$m.eml $tmp/our-$n-$m.content --"
	done
done
# BC verifies an altered copy of ours: it must say FAIL (the peer can fail).
sed 's/hello from the other side/hello from the other sidf/' \
    "$tmp/our-alice-detached.eml" >"$tmp/our-forged.eml"
ops="$ops verify forged $pki/chain.pem $tmp/our-forged.eml --"
inner_entity "$tmp/msg.eml" >"$tmp/inner"
for r in alice carol x25519 x448; do
	for c in aes-256-cbc aes-256-gcm chacha20-poly1305; do
		ok "smime-encrypt --cipher $c to $r" \
		    'smime-encrypt -r "$tmp/$r.pem" --cipher $c <"$tmp/msg.eml" >"$tmp/our-$r-$c.eml"'
		case $r in
		x*) ;;	# HKDF: hkdf.py below
		*) ops="$ops decrypt $r-$c $tmp/$r.key $tmp/$r.pem $tmp/our-$r-$c.eml $tmp/our-$r-$c.dec --" ;;
		esac
	done
done
# One message to RSA, X25519 and P-256 recipients: a Bouncy Castle client
# must still read its own RecipientInfo beside the X25519 one with the
# HKDF it does not know.
for c in aes-256-gcm chacha20-poly1305; do
	ok "smime-encrypt --cipher $c to alice, x25519 and carol" \
	    'smime-encrypt -r "$tmp/alice.pem" -r "$tmp/x25519.pem" -r "$tmp/carol.pem" --cipher $c <"$tmp/msg.eml" >"$tmp/our-mix-$c.eml"'
	for r in alice carol; do
		ops="$ops decrypt mix-$r-$c $tmp/$r.key $tmp/$r.pem $tmp/our-mix-$c.eml $tmp/our-mix-$r-$c.dec --"
	done
done
peer $ops >"$tmp/bc2.out" 2>&1
for n in alice carol ed25519; do
	case $n in
	alice) a=RSA ;;
	carol) a=EC ;;
	ed25519) a='Ed25519 1\.3\.101\.112' ;;
	esac
	for m in detached opaque; do
		check_grep "smime-sign $n --$m -> BC verifies ($a)" \
		    "^verify $n-$m: ok pass $m $a" "$tmp/bc2.out"
		body "$tmp/our-$n-$m.content" >"$tmp/our-$n-$m.cbody"
		check_same "smime-sign $n --$m: the body BC verified is the message's" \
		    "$tmp/our-$n-$m.cbody" "$tmp/ent.body"
	done
done
for r in alice carol; do
	for c in aes-256-cbc aes-256-gcm chacha20-poly1305; do
		check_grep "smime-encrypt $c to $r -> BC decrypts" \
		    "^decrypt $r-$c: ok" "$tmp/bc2.out"
		check_same "smime-encrypt $c to $r: BC's plaintext is the entity" \
		    "$tmp/our-$r-$c.dec" "$tmp/inner"
	done
done
# X25519, X448: smime-encrypt's default KDF is HKDF-SHA256, which hkdf.py
# reads.
ops=
for r in x25519 x448; do
	for c in aes-256-cbc aes-256-gcm chacha20-poly1305; do
		ops="$ops decrypt $r-$c $tmp/$r.key $tmp/$r.pem $tmp/our-$r-$c.eml $tmp/our-$r-$c.dec --"
	done
done
ops="$ops decrypt mix $tmp/x25519.key $tmp/x25519.pem $tmp/our-mix-chacha20-poly1305.eml $tmp/our-mix-x25519.dec"
hkdf $ops >"$tmp/hk2.out" 2>&1
for r in x25519 x448; do
	case $r in
	x25519) a=X25519 ;;
	x448) a=X448 ;;
	esac
	for c in aes-256-cbc aes-256-gcm chacha20-poly1305; do
		check_grep "smime-encrypt $c to $r -> hkdf.py decrypts: HKDF-SHA256, AES-256 key wrap" \
		    "^decrypt $r-$c: ok $a hkdf-sha256 aes256-wrap $c" "$tmp/hk2.out"
		check_same "smime-encrypt $c to $r: the plaintext is the entity" \
		    "$tmp/our-$r-$c.dec" "$tmp/inner"
	done
done
check_grep 'smime-encrypt chacha20-poly1305 to three: hkdf.py decrypts for x25519' \
    '^decrypt mix: ok X25519 hkdf-sha256 aes256-wrap chacha20-poly1305' \
    "$tmp/hk2.out"
check_same "smime-encrypt chacha20-poly1305 to three: hkdf.py's plaintext" \
    "$tmp/our-mix-x25519.dec" "$tmp/inner"
for c in aes-256-gcm chacha20-poly1305; do
	for r in alice carol; do
		check_grep "smime-encrypt $c to three: BC decrypts for $r" \
		    "^decrypt mix-$r-$c: ok" "$tmp/bc2.out"
		check_same "smime-encrypt $c to three: BC's plaintext for $r" \
		    "$tmp/our-mix-$r-$c.dec" "$tmp/inner"
	done
done
check_grep 'BC says FAIL for an altered signed message of ours' \
    '^verify forged: FAIL' "$tmp/bc2.out"

done_testing
