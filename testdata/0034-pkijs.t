#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Messages from another CMS implementation, PKI.js (testdata/pkijs/README):
# its signatures verify, its EnvelopedData decrypts to what OpenSSL gets
# from it, and its AES-GCM inside EnvelopedData is refused as a cipher
# not allowed, with the reason under -v and nothing decrypted on stdout.
. "$(dirname "$0")/lib.sh"
plan 14

pki=$testdir/pki
dir=$testdir/pkijs
private_keys alice dave
ca="--no-system-ca --ca $pki/root-ca.pem"
# PKI.js wrote CRLF, and so does smime-decrypt then.
sdres() { lf "$1" >"$tmp/lf.eml"; dres "$tmp/lf.eml"; }

for m in signed-pss-detached signed-ecdsa-opaque; do
	ok "$m: smime-verify" 'smime-verify $ca <"$dir/$m.eml" >"$tmp/v.eml"'
	check_eq "$m: pass" "$(ar_result "$tmp/v.eml")" pass
done

for m in envdata-cbc-oaep512:alice envdata-cbc-ecdh-dave:dave; do
	who=${m#*:} m=${m%:*}
	ok "$m: smime-decrypt" \
	    'smime-decrypt -k "$tmp/$who.key" -c "$pki/$who.pem" <"$dir/$m.eml" >"$tmp/d.eml"'
	check_eq "$m: pass" "$(sdres "$tmp/d.eml")" \
	    "mx.example.org; result=pass; cipher=aes-256-cbc; integrity=none; recipient=sha256:X"
	openssl cms -decrypt -inkey "$tmp/$who.key" -recip "$pki/$who.pem" \
	    -in "$dir/$m.eml" -binary -out "$tmp/o.ent" 2>/dev/null
	body "$tmp/o.ent" >"$tmp/o.body"
	body "$tmp/d.eml" >"$tmp/d.body"
	check_same "$m: the body OpenSSL decrypts, byte for byte" \
	    "$tmp/d.body" "$tmp/o.body"
done

m=envdata-aes256gcm-oaep
ok "$m: smime-decrypt -v" \
    'smime-decrypt -v -k "$tmp/alice.key" -c "$pki/alice.pem" <"$dir/$m.eml" >"$tmp/d.eml"'
check_grep "$m: -v says why" \
    'cipher not allowed: aes-256-gcm in EnvelopedData \(RFC 5083' "$tmp/.err"
check_eq "$m: fail (cipher not allowed)" "$(sdres "$tmp/d.eml")" \
    "mx.example.org; result=fail (cipher not allowed)"
undres "$tmp/d.eml" >"$tmp/rest"
check_same "$m: the message as it came, under the header" "$tmp/rest" "$dir/$m.eml"

done_testing
