#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# scripts/smime-cron: certstore expire, and the CRL refresh against a CRL
# server on 127.0.0.1 (httpd.pl).  The test PKI's certificates name no
# distribution point, so throwaway ones that do are made here, pointing
# at the server: one stored certificate issued by the sub CA, one trust
# anchor issued by the root.  A CRL that cannot be fetched or is refused leaves the stored one.
. "$(dirname "$0")/lib.sh"
plan 37

pki=$testdir/pki
cron=$testdir/../scripts/smime-cron
S="-S $tmp/store"
www=$tmp/www
mkdir -p "$www"
crlfp() { openssl crl -in "$1" -outform DER | sha256sum | cut -c1-64; }
stale=$(crlfp "$pki/sub-ca-stale.crl")
fresh=$(crlfp "$pki/sub-ca.crl")
rootcrl=$(crlfp "$pki/root-ca.crl")

# The CRL server (httpd.pl): GET /NAME serves $www/NAME; /slow answers
# after 5 s; /huge streams without a Content-Length; anything else is
# 404.  It ends itself after 60 s.
perl "$testdir/httpd.pl" "$www" "$tmp/port" 60 >/dev/null 2>&1 &
httpd=$!
trap 'kill "$httpd" 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$tmp/port" 2>/dev/null)
base=http://127.0.0.1:$port
ok 'the CRL server runs on 127.0.0.1' 'test -n "$port" && curl -s -o /dev/null "$base/"'

# issue NAME CAKEY CACERT SERIAL EXT: an EC key and a certificate for it.
issue() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$tmp/$1.key" -subj "/O=smimetools test/CN=$1" 2>/dev/null |
	    openssl x509 -req -CA "$3" -CAkey "$2" -set_serial "$4" \
	    -days 3650 -extfile "$tmp/$1.ext" -out "$tmp/$1.pem" 2>/dev/null
}
printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature,keyAgreement' \
    'extendedKeyUsage=emailProtection' 'subjectAltName=email:crl@example.com' \
    "crlDistributionPoints=URI:ldap://127.0.0.1:$port/cn=Sub,URI:$base/sub-ca.crl" \
    >"$tmp/peer.ext"
issue peer "$pki/sub-ca.key" "$pki/sub-ca.pem" 0x7c01
printf '%s\n' 'basicConstraints=critical,CA:TRUE,pathlen:0' \
    'keyUsage=critical,keyCertSign,cRLSign' \
    "crlDistributionPoints=URI:$base/root-ca.crl" >"$tmp/anchor.ext"
issue anchor "$pki/root-ca.key" "$pki/root-ca.pem" 0x7c02
check_grep 'the stored certificate names the server' "URI:$base/sub-ca.crl" \
    "$(openssl x509 -in "$tmp/peer.pem" -noout -ext crlDistributionPoints >"$tmp/cdp"; echo "$tmp/cdp")"

certstore $S init
certstore $S trust add "$pki/root-ca.pem" "$tmp/anchor.pem"
certstore $S add "$pki/sub-ca.pem" "$tmp/peer.pem"
certstore $S add --policy signature "$pki/expired.pem" 2>/dev/null
certstore $S crl add "$pki/sub-ca-stale.crl" 2>/dev/null
ok 'the store holds the peer' 'certstore $S get crl@example.com'
ok 'and the expired certificate' 'certstore $S list expired@example.com | grep -q expired'
ok 'and the stale CRL' 'test -f "$tmp/store/crl/$stale.pem"'

cp "$pki/alice.p12" "$tmp/"
chmod 600 "$tmp/alice.p12"
printf 'From: alice@example.com\nTo: help@example.org\nSubject: s\n\nhi\n' |
    smime-sign -p "$tmp/alice.p12" --passin pass:test >"$tmp/signed.eml"
strict() { smime-verify $S --no-system-ca --policy strict <"$tmp/signed.eml" | ar_result /dev/stdin; }
check_eq 'before: strict says the stale CRL is out of date' "$(strict | sed 's/ .*//')" temperror

# Nothing served yet: every URL fails, the stored CRL stays.
expect_code 'all URLs 404: exit 75' 75 '"$cron" $S'
cp "$tmp/.err" "$tmp/err1"
check_grep 'the sub CA URL is reported' "^smime-cron: cannot fetch '$base/sub-ca.crl': .*404.*the stored CRL stays" "$tmp/err1"
check_grep 'the anchor'"'"'s URL too' "cannot fetch '$base/root-ca.crl'" "$tmp/err1"
check_nogrep 'ldap is not fetched' 'ldap' "$tmp/err1"
check_eq 'one line per failure' "$(grep -c . "$tmp/err1")" 2
ok 'the stale CRL stays' 'test -f "$tmp/store/crl/$stale.pem"'
ok 'certstore expire ran anyway' '! certstore $S list | grep -q expired@example.com'
ok 'trust anchors are kept' 'certstore $S trust list | grep -q "^$(openssl x509 -in "$tmp/anchor.pem" -outform DER | sha256sum | cut -c1-64)"'
check_eq 'the server saw each URL once' "$(grep . "$tmp/httpd.log" | sort | tr '\n' ' ')" 'root-ca.crl sub-ca.crl '

# Served: both CRLs replace what was there.
cp "$pki/sub-ca.crl" "$www/sub-ca.crl"
openssl crl -in "$pki/root-ca.crl" -outform DER -out "$www/root-ca.crl"
ok 'both served: exit 0' '"$cron" $S'
check_eq 'and silent (cron mails nothing)' "$(cat "$tmp/.err")" ''
ok 'the fresh sub CA CRL is stored' 'test -f "$tmp/store/crl/$fresh.pem"'
ok 'the stale one is replaced' '! test -f "$tmp/store/crl/$stale.pem"'
ok 'the root CRL (DER on the wire) is stored' 'test -f "$tmp/store/crl/$rootcrl.pem"'
check_eq 'after: strict passes' "$(strict)" pass
ok '-v says what was added' '"$cron" -v $S'
check_grep '-v names the URL' "added the CRL from '$base/sub-ca.crl'" "$tmp/.err"

# Refused: something that is not a CRL, and the wrong issuer's CRL.
ls "$tmp/store/crl" >"$tmp/crl.before"
echo 'not a CRL' >"$www/sub-ca.crl"
expect_code 'garbage: exit 65 (certstore crl add)' 65 '"$cron" $S'
check_grep 'garbage: reported, the stored CRL stays' \
    "the CRL from '$base/sub-ca.crl' was not added \(exit 65\): the stored CRL stays" "$tmp/.err"
ok 'garbage: crl/ unchanged' 'ls "$tmp/store/crl" | cmp -s - "$tmp/crl.before"'
cp "$pki/sub-ca.crl" "$www/sub-ca.crl"

# Too slow, too big: bounded.  These two certificates join the store.
printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature,keyAgreement' \
    'extendedKeyUsage=emailProtection' 'subjectAltName=email:slow@example.com' \
    "crlDistributionPoints=URI:$base/slow,URI:$base/huge" >"$tmp/slow.ext"
issue slow "$pki/sub-ca.key" "$pki/sub-ca.pem" 0x7c03
certstore $S add "$tmp/slow.pem"
start=$(date +%s)
expect_code 'slow and huge: exit 75' 75 '"$cron" $S --timeout 2 --max-size 100000'
check_eq 'the timeout holds (under 8 s)' "$(($(date +%s) - start < 8))" 1
check_grep 'slow: reported' "cannot fetch '$base/slow': .*(timed out|Timeout)" "$tmp/.err"
check_grep 'huge: reported, stopped at --max-size' "cannot fetch '$base/huge': larger than 100000 bytes" "$tmp/.err"
check_eq 'the others still load' "$(grep -c 'sub-ca.crl\|root-ca.crl' "$tmp/.err")" 0
check_eq 'no file left from the huge one' "$(find "$tmp" -name 'smime-cron.*' | wc -l)" 0

# The server gone: refused connections, the stored CRLs stay.
kill "$httpd"
wait "$httpd" 2>/dev/null
expect_code 'server gone: exit 75' 75 '"$cron" $S --timeout 2'
check_grep 'server gone: reported' "cannot fetch '$base/sub-ca.crl': .*(Failed to connect|Couldn't connect)" "$tmp/.err"
ok 'server gone: crl/ unchanged' 'ls "$tmp/store/crl" | cmp -s - "$tmp/crl.before"'

expect_code 'an unknown option: 64' 64 '"$cron" --bogus'
expect_code 'no store: 78' 78 '"$cron" -S "$tmp/nowhere"'

done_testing
