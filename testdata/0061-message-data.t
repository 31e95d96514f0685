#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# What a message brings is data, never trust (smimetools(7)).  The
# attacker holds one valid certificate (mallory, issued by the sub CA)
# and signs a message that carries a twin of the sub CA: its subject
# name and key identifier, the attacker's key (attacks/data/twin.key),
# a distribution point on the attacker's server.  Old code stored the
# twin at --import, took the twin's CRL (by hand and by smime-cron), so
# that a revoked certificate came back, and sent the twin along in our
# own signatures.  Now: the twin is not stored, its CRL is refused
# wherever it comes from, smime-cron fetches nothing it names, and our
# signatures carry only our identity's chain.  The same hold for a twin
# that is in certs/ already (added under --policy signature, or stored
# by an older version).
. "$(dirname "$0")/lib.sh"
plan 29

pki=$testdir/pki
data=$testdir/attacks/data
cron=$testdir/../scripts/smime-cron
S="-S $tmp/store"
st=$tmp/store
www=$tmp/www
mkdir -p "$www"
private_keys helpdesk revoked
cp "$data/twin.key" "$tmp/twin.key"
chmod 600 "$tmp/twin.key"
fpof() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
crlfp() { openssl crl -in "$1" -outform DER | sha256sum | cut -c1-64; }
realcrl=$(crlfp "$pki/sub-ca.crl")

# A CRL server on 127.0.0.1 that logs what it is asked (httpd.pl).
perl "$testdir/httpd.pl" "$www" "$tmp/port" 900 >/dev/null 2>&1 &
httpd=$!
trap 'kill "$httpd" 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
base=http://127.0.0.1:$(cat "$tmp/port" 2>/dev/null)
: >"$tmp/httpd.log"

# The twin: the sub CA's subject and key identifier, issued in the
# root's name (AKI the root's) by a certificate of the attacker's key,
# larger than the real one so that DER's SET OF order puts it second
# and the attacker's own chain still verifies.
printf '%s\n' 'basicConstraints=critical,CA:TRUE' \
    'keyUsage=critical,keyCertSign,cRLSign' \
    "subjectKeyIdentifier=$(openssl x509 -in "$pki/root-ca.pem" -noout -ext subjectKeyIdentifier | sed -n 's/^ *//p' | tail -1)" \
    >"$tmp/fakeroot.ext"
openssl req -new -key "$tmp/twin.key" -subj '/O=smimetools test/CN=smimetools Test Root CA' 2>/dev/null |
    openssl x509 -req -signkey "$tmp/twin.key" -days 3650 \
    -extfile "$tmp/fakeroot.ext" -out "$tmp/fakeroot.pem" 2>/dev/null
printf '%s\n' 'basicConstraints=critical,CA:TRUE,pathlen:0' \
    'keyUsage=critical,keyCertSign,cRLSign' \
    "subjectKeyIdentifier=$(openssl x509 -in "$pki/sub-ca.pem" -noout -ext subjectKeyIdentifier | sed -n 's/^ *//p' | tail -1)" \
    'authorityKeyIdentifier=keyid' "crlDistributionPoints=URI:$base/twin.crl" \
    >"$tmp/twin.ext"
openssl req -new -key "$tmp/twin.key" -subj '/O=smimetools test/CN=smimetools Test Sub CA' 2>/dev/null |
    openssl x509 -req -CA "$tmp/fakeroot.pem" -CAkey "$tmp/twin.key" \
    -set_serial 0x7d01 -days 3650 -extfile "$tmp/twin.ext" \
    -out "$tmp/twin.pem" 2>/dev/null
twin=$(fpof "$tmp/twin.pem")

# The twin's CRL: the sub CA's name, a CRL number above the real one's
# (2), nothing revoked.
mkdir -p "$tmp/ca/new"
: >"$tmp/ca/index.txt"
echo 63 >"$tmp/ca/crlnumber"
cat >"$tmp/ca.cnf" <<EOF
[ ca ]
default_ca = CA
[ CA ]
database = $tmp/ca/index.txt
crlnumber = $tmp/ca/crlnumber
default_md = sha256
default_crl_days = 3650
EOF
openssl ca -config "$tmp/ca.cnf" -gencrl -keyfile "$tmp/twin.key" \
    -cert "$tmp/twin.pem" -out "$tmp/twin.crl" 2>/dev/null
cp "$tmp/twin.crl" "$www/twin.crl"
cp "$tmp/twin.crl" "$www/mallory.crl"
check_eq 'the twin'"'"'s CRL names the sub CA' \
    "$(openssl crl -in "$tmp/twin.crl" -noout -issuer)" \
    "$(openssl x509 -in "$pki/sub-ca.pem" -noout -subject | sed 's/^subject/issuer/')"

# The attacker's own certificate, from the sub CA: valid, trusted; its
# distribution point serves the twin's CRL too.
cp "$pki/sub-ca.key" "$tmp/sub-ca.key"
chmod 600 "$tmp/sub-ca.key"
printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature,keyEncipherment' \
    'extendedKeyUsage=emailProtection' 'subjectAltName=email:mallory@example.com' \
    "crlDistributionPoints=URI:$base/mallory.crl" >"$tmp/mallory.ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/mallory.key" -subj '/CN=Mallory' 2>/dev/null |
    openssl x509 -req -CA "$pki/sub-ca.pem" -CAkey "$tmp/sub-ca.key" \
    -set_serial 0x7d02 -days 3650 -extfile "$tmp/mallory.ext" \
    -out "$tmp/mallory.pem" 2>/dev/null
cat "$pki/sub-ca.pem" "$tmp/twin.pem" >"$tmp/carried.pem"
printf 'From: mallory@example.com\nTo: help@example.org\nSubject: hello\n\nhi\n' >"$tmp/m.txt"
openssl cms -sign -signer "$tmp/mallory.pem" -inkey "$tmp/mallory.key" \
    -certfile "$tmp/carried.pem" -in "$tmp/m.txt" -out "$tmp/m.body" 2>/dev/null
{ sed '/^$/q' "$tmp/m.txt" | grep -v '^$'; cat "$tmp/m.body"; } >"$tmp/m.eml"

# The help desk's store: the root trusted, the sub CA's real CRL (it
# revokes revoked@example.com), our identity (with the sub CA).
certstore $S init
certstore $S trust add "$pki/root-ca.pem"
certstore $S identity add -p "$tmp/helpdesk.p12" --passin pass:test
certstore $S crl add "$pki/root-ca.crl"
certstore $S crl add "$pki/sub-ca.crl"
printf 'From: revoked@example.com\nTo: help@example.org\nSubject: s\n\nhi\n' |
    smime-sign -p "$tmp/revoked.p12" --passin pass:test >"$tmp/r.eml"
strict() { smime-verify $S --no-system-ca --policy strict <"$tmp/r.eml" | ar_result /dev/stdin; }
check_eq 'before: strict says revoked' "$(strict)" 'policy (revoked)'
certstore $S add "$pki/revoked.pem"
expect_code 'before: get finds no usable certificate for revoked (67)' 67 \
    'certstore $S get revoked@example.com'

# 1. --import of the attacker's message: it passes, the twin is not
# stored.
ok 'the attacker'"'"'s message imports' \
    'smime-verify $S --no-system-ca --import -v <"$tmp/m.eml" >"$tmp/v.eml"'
check_eq 'it passes (the attacker'"'"'s certificate is valid)' \
    "$(ar_result "$tmp/v.eml" | sed 's/ .*//')" pass
check_grep '-v says why the twin was not stored' \
    'not stored: .*Sub.*CA.*: (certificate signature failure|unable to get local issuer certificate)' "$tmp/.err"
ok 'the twin is not in certs/' '! test -f "$st/certs/$twin.pem"'
ok 'the real sub CA is kept' 'test -f "$st/certs/$(fpof "$pki/sub-ca.pem").pem"'
ok 'the attacker'"'"'s certificate is stored (it passed)' \
    'certstore $S get mallory@example.com'
smime-verify $S --no-system-ca --policy signature --import \
    <"$tmp/m.eml" >"$tmp/v.eml"
ok '--policy signature: not stored either' '! test -f "$st/certs/$twin.pem"'

# 2. certstore crl add of the twin's CRL: refused, the real one stays.
expect_code 'crl add of the twin'"'"'s CRL: 65' 65 'certstore $S crl add "$tmp/twin.crl"'
check_grep 'and says why' "twin.crl': the CRL's (issuer is not in the store|signature does not verify)" "$tmp/.err"
ok 'the real CRL stays' 'test -f "$st/crl/$realcrl.pem"'
check_eq 'strict still says revoked' "$(strict)" 'policy (revoked)'
expect_code 'and get still finds none (67)' 67 'certstore $S get revoked@example.com'

# 3. Our own signature carries our chain only, and verifies.
sign_help() {
	printf 'From: help@example.org\nTo: x@example.com\nSubject: r\n\nre\n' |
	    smime-sign $S --as help@example.org --passin pass:test >"$tmp/hs.eml"
}
outcerts() {
	openssl cms -cmsout -in "$tmp/hs.eml" -outform DER 2>/dev/null |
	    openssl pkcs7 -inform DER -print_certs 2>/dev/null >"$tmp/out.pem"
	for _c in $(awk '/BEGIN CERT/ { n++ } { print > ("'"$tmp"'/oc" n ".pem") } END { for (i = 1; i <= n; i++) print i }' "$tmp/out.pem"); do
		fpof "$tmp/oc$_c.pem"
	done | sort | tr '\n' ' '
}
ours="$(printf '%s\n' "$(fpof "$pki/helpdesk.pem")" "$(fpof "$pki/sub-ca.pem")" | sort | tr '\n' ' ')"
sign_help
check_eq 'smime-sign: our certificate and the real sub CA, nothing else' "$(outcerts)" "$ours"
ok 'openssl cms -verify takes it' \
    'openssl cms -verify -CAfile "$pki/root-ca.pem" -purpose any -in "$tmp/hs.eml" -out /dev/null'

# 4. The twin in certs/ all the same (certstore add --policy signature,
# or a store an older version filled): it still signs nothing.
ok 'certstore add --policy signature stores the twin' \
    'certstore $S --policy signature add "$tmp/twin.pem" && test -f "$st/certs/$twin.pem"'
expect_code 'crl add of the twin'"'"'s CRL: still 65' 65 'certstore $S crl add "$tmp/twin.crl"'
check_grep 'the twin chains to no anchor' "twin.crl': its issuer's certificate chains to no trust anchor" "$tmp/.err"
check_eq 'strict still says revoked' "$(strict)" 'policy (revoked)'
expect_code 'and get still finds none (67)' 67 'certstore $S get revoked@example.com'
sign_help
check_eq 'smime-sign: still our chain only' "$(outcerts)" "$ours"

# 5. smime-cron: the twin's distribution point is not fetched; the
# attacker's own (a valid certificate) is, and what it serves is refused.
expect_code 'smime-cron: the twin'"'"'s CRL refused (65)' 65 '"$cron" $S -v'
cp "$tmp/.err" "$tmp/cron.err"
check_nogrep 'the twin'"'"'s distribution point was not asked' '^twin\.crl$' "$tmp/httpd.log"
check_grep '-v says why' "certs/$twin.pem chains to no trust anchor" "$tmp/cron.err"
check_grep 'the attacker'"'"'s own URL is fetched and refused' \
    "the CRL from '$base/mallory.crl' was not added \(exit 65\)" "$tmp/cron.err"
check_eq 'after cron: the real CRL, and revoked stays revoked' \
    "$(test -f "$st/crl/$realcrl.pem" && strict)" 'policy (revoked)'
expect_code 'and get still finds none (67)' 67 'certstore $S get revoked@example.com'

done_testing
