#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# smime-decrypt where OpenSSL 3.0's CMS stops: X25519 and X448 key
# agreement (RFC 8418: HKDF-SHA256/384/512 or the X9.63 KDF with SHA-1 to
# SHA-512, with and without ukm, AES-128/192/256 key wrap, the recipient
# named by issuer and serial or by subjectKeyIdentifier), EC with HKDF,
# and ChaCha20-Poly1305 content (RFC 8103) to X25519, X448, EC and RSA
# (OAEP and PKCS #1 v1.5) recipients.  The messages are made by
# x25519/mk.py from the RFCs over python3-cryptography's primitives (no
# CMS library), fresh keys each run; some also in BER as streaming
# senders write it (indefinite lengths, the ciphertext in chunks).
#
# Good ones: exit 0, result=pass with the cipher and integrity, our
# certificate's fingerprint, and the plaintext byte for byte, wrapped in
# a message and bare.  Hostile ones, wrapped: exit 0, the exact result
# (cannot decrypt after a key matched, whatever failed: a low-order
# point, a short or mislabelled originator key, an unknown KDF, a wrap
# that fails its check or has parameters, a CEK of the wrong length, a
# changed tag or ciphertext, an RSA key transport that does not decrypt;
# cipher not allowed before any key is used: a 12-byte tag, an 8-byte
# nonce, ChaCha20-Poly1305 in an EnvelopedData; no matching key), no
# plaintext, the message as it came; bare: exit 65 and nothing on stdout.
. "$(dirname "$0")/lib.sh"
plan 260

pki=$testdir/pki
m=$tmp/m
mkdir "$m"
private_keys alice
ok 'mk.py: keys, certificates and messages' \
    'python3 "$testdir/x25519/mk.py" "$m" "$pki/alice.pem"'

fp() {	# the SHA-256 fingerprint of a certificate, as recipient= has it
	openssl x509 -in "$1" -noout -fingerprint -sha256 |
	    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
keyof() {	# keyof CASE: the -k/-c of the recipient the case is for
	case $1 in
	rsa*) echo "-k $tmp/alice.key -c $pki/alice.pem" ;;
	x448*) echo "-k $m/x448.key -c $m/x448.pem" ;;
	ec*) echo "-k $m/ec.key -c $m/ec.pem" ;;
	*) echo "-k $m/x25519.key -c $m/x25519.pem" ;;
	esac
}
# wrap DER SMIME-TYPE: a message around a CMS object.
wrap() {
	printf 'From: bob@example.com\nTo: alice@example.com\nSubject: 0086\nMIME-Version: 1.0\nContent-Type: application/pkcs7-mime; smime-type=%s; name=smime.p7m\nContent-Transfer-Encoding: base64\n\n' "$2"
	openssl base64 -in "$1"
}
# whole FILE: our field unfolded, fingerprint and all.
whole() {
	awk '/^SMIME-Decrypt:/ { p = 1; printf "%s", $0; next }
	    p && /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next }
	    { p = 0 }' "$1" | sed 's/SMIME-Decrypt: //; s/; hp=none$//'
}
body "$m/pt.txt" >"$tmp/pt.body"

# good CASE CIPHER INTEGRITY: decrypted, wrapped and bare.
good() {
	g_c=$1 g_f=$m/$1.der
	g_k=$(keyof "$1")
	case $2 in cbc*|aes-*-cbc) g_t=enveloped-data ;; *) g_t=authEnveloped-data ;; esac
	wrap "$g_f" $g_t >"$tmp/$g_c.eml"
	ok "$g_c: exit 0" 'smime-decrypt $g_k <"$tmp/$g_c.eml" >"$tmp/$g_c.out"'
	g_cert=${g_k##* }
	check_eq "$g_c: pass, $2, integrity=$3, our certificate" \
	    "$(whole "$tmp/$g_c.out")" \
	    "mx.example.org; result=pass; cipher=$2; integrity=$3; recipient=sha256:$(fp "$g_cert")"
	body "$tmp/$g_c.out" >"$tmp/$g_c.body"
	check_same "$g_c: the plaintext, byte for byte" "$tmp/$g_c.body" "$tmp/pt.body"
	check_grep "$g_c: its Content-Type" \
	    '^Content-Type: text/plain; charset=us-ascii$' "$tmp/$g_c.out"
	ok "$g_c (bare, through a pipe): exit 0" \
	    'cat "$g_f" | smime-decrypt $g_k >"$tmp/$g_c.bare"'
	body "$tmp/$g_c.bare" >"$tmp/$g_c.bbody"
	check_same "$g_c (bare): the plaintext" "$tmp/$g_c.bbody" "$tmp/pt.body"
}
# bad CASE WHY [TYPE]: refused, wrapped and bare.
bad() {
	b_c=$1 b_f=$m/$1.der
	b_k=$(keyof "$1")
	wrap "$b_f" "${3:-authEnveloped-data}" >"$tmp/$b_c.eml"
	expect_code "$b_c: exit 0" 0 'smime-decrypt $b_k <"$tmp/$b_c.eml" >"$tmp/$b_c.out"'
	check_eq "$b_c: fail ($2)" "$(dres "$tmp/$b_c.out")" \
	    "mx.example.org; result=fail ($2)"
	check_nogrep "$b_c: no plaintext" 'secret' "$tmp/$b_c.out"
	undres "$tmp/$b_c.out" >"$tmp/$b_c.rest"
	check_same "$b_c: passes through as it came" "$tmp/$b_c.rest" "$tmp/$b_c.eml"
	expect_code "$b_c (bare): exit 65" 65 'smime-decrypt $b_k <"$b_f" >"$tmp/$b_c.bare"'
	check_eq "$b_c (bare): nothing on stdout" "$(wc -c <"$tmp/$b_c.bare" | tr -d ' ')" 0
}

good x25519-hkdf256-gcm aes-256-gcm authenticated
good x25519-hkdf256-gcm-ber aes-256-gcm authenticated
good x25519-hkdf384-gcm aes-256-gcm authenticated
good x25519-hkdf512-chacha chacha20-poly1305 authenticated
good x25519-x963sha256-cbc aes-128-cbc none
good x25519-x963sha256-cbc-ber aes-128-cbc none
good x25519-x963sha1-cbc aes-256-cbc none
good x25519-x963sha224-gcm aes-128-gcm authenticated
good x25519-ukm aes-256-gcm authenticated
good x25519-ukm-x963 aes-128-cbc none
good x25519-ski chacha20-poly1305 authenticated
good x448-hkdf512-gcm aes-256-gcm authenticated
good x448-x963sha512-cbc aes-256-cbc none
good x448-chacha chacha20-poly1305 authenticated
good ec-hkdf-chacha chacha20-poly1305 authenticated
good ec-hkdf-gcm aes-128-gcm authenticated
good ec-x963-gcm aes-128-gcm authenticated
good rsa-oaep-chacha chacha20-poly1305 authenticated
good rsa-oaep-chacha-ber chacha20-poly1305 authenticated
good rsa-v15-chacha chacha20-poly1305 authenticated

NODEC='cannot decrypt'
NOTALLOWED='cipher not allowed'
bad lowpoint "$NODEC"
bad short-key "$NODEC"
bad orig-params "$NODEC"
bad orig-x448 "$NODEC"
bad unknown-kdf "$NODEC"
bad bad-wrap "$NODEC"
bad wrap-params "$NODEC"
bad cek-length "$NODEC"
bad gcm-tag "$NODEC"
bad gcm-ct "$NODEC"
bad chacha-tag "$NODEC"
bad chacha-tag-ber "$NODEC"
bad chacha-ct "$NODEC"
bad rsa-chacha-badek "$NODEC"
bad rsa-chacha-tag "$NODEC"
bad chacha-tag12 "$NOTALLOWED"
bad gcm-tag12 "$NOTALLOWED"
bad chacha-nonce8 "$NOTALLOWED"
bad gcm-nonce8 "$NOTALLOWED"
bad gcm-noicv "$NOTALLOWED"
bad chacha-enveloped "$NOTALLOWED" enveloped-data
bad other-recipient 'no matching key'

# -v says why, for the operator; the header does not.
smime-decrypt -v $(keyof x) <"$tmp/unknown-kdf.eml" >/dev/null 2>"$tmp/v.err"
check_grep 'unknown KDF: -v names it' 'unknown key agreement KDF 1\.3\.132\.1\.14\.1' "$tmp/v.err"
smime-decrypt -v $(keyof x) <"$tmp/chacha-nonce8.eml" >/dev/null 2>"$tmp/v.err"
check_grep '8-byte nonce: -v says why' 'chacha20-poly1305 without a 12-byte nonce' "$tmp/v.err"
smime-decrypt -v $(keyof x) <"$tmp/lowpoint.eml" >/dev/null 2>"$tmp/v.err"
check_grep 'low-order point: -v says why' 'all zero' "$tmp/v.err"
smime-decrypt -v $(keyof x) <"$tmp/bad-wrap.eml" >/dev/null 2>"$tmp/v.err"
check_grep 'bad wrap: -v says why' 'does not unwrap' "$tmp/v.err"

# The store's X25519 identity, found by the RecipientInfo (no -k).
openssl pkcs12 -export -inkey "$m/x25519.key" -in "$m/x25519.pem" \
    -passout pass:test -out "$tmp/x.p12"
chmod 600 "$tmp/x.p12"
echo test >"$tmp/pass"
chmod 600 "$tmp/pass"
certstore -S "$tmp/st" init
ok 'store: the X25519 identity is added' \
    'certstore -S "$tmp/st" identity add -p "$tmp/x.p12" --passin pass:test'
smime-decrypt -S "$tmp/st" --passin "file:$tmp/pass" <"$tmp/x25519-ukm.eml" >"$tmp/st.out"
check_eq 'store: pass with its identity' "$(whole "$tmp/st.out")" \
    "mx.example.org; result=pass; cipher=aes-256-gcm; integrity=authenticated; recipient=sha256:$(fp "$m/x25519.pem")"
body "$tmp/st.out" >"$tmp/st.body"
check_same 'store: the plaintext' "$tmp/st.body" "$tmp/pt.body"

done_testing
