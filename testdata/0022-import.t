#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# The store in use: smime-verify --import harvests only what passes,
# never demotes; smime-sign takes our identity from the store (--as, the
# From address); smime-verify trusts the store's ca/ and checks its crl/.
. "$(dirname "$0")/lib.sh"
plan 45

pki=$testdir/pki
private_keys alice bob helpdesk revoked
S="-S $tmp/store"
ca="--no-system-ca --ca $pki/root-ca.pem"
msg() {	# msg FROM [MESSAGE-ID]
	printf 'From: %s\nTo: help@example.org\nSubject: help\nMessage-ID: %s\n\nplease\n' "$1" "${2:-<1@example.com>}"
}
ok 'certstore init' 'certstore $S init'

msg alice@example.com '<first@example.com>' |
    smime-sign -p "$tmp/alice.p12" --passin pass:test >"$tmp/a.eml"
ok 'verify --import of a passing message' \
    'smime-verify $S $ca --import <"$tmp/a.eml" >"$tmp/v.eml"'
check_eq 'it passed' "$(ar_result "$tmp/v.eml" | sed 's/ .*//')" pass
ok 'certstore get finds the sender' \
    'certstore $S get alice@example.com >"$tmp/got.pem"'
check_eq 'the stored certificate is the signer'"'"'s' \
    "$(openssl x509 -in "$tmp/got.pem" -noout -fingerprint -sha256)" \
    "$(openssl x509 -in "$pki/alice.pem" -noout -fingerprint -sha256)"
fp=$(openssl x509 -in "$pki/alice.pem" -outform DER | sha256sum | cut -c1-64)
check_grep '.meta: the capabilities of the signature' \
    '^capabilities: aes-256-gcm aes-128-gcm chacha20-poly1305 aes-256-cbc aes-128-cbc$' \
    "$tmp/store/certs/$fp.meta"
check_grep '.meta: the key preference named this certificate' \
    '^key-preference: 20[0-9-]*T[0-9:.]*Z$' "$tmp/store/certs/$fp.meta"
check_grep '.meta: seen in a valid signature' '^last-seen: ' "$tmp/store/certs/$fp.meta"
cp "$tmp/store/certs/$fp.meta" "$tmp/meta.before"

msg bob@example.com | smime-sign -p "$tmp/bob.p12" --passin pass:test |
    sed 's/^please$/pleas3/' >"$tmp/bad.eml"
ok 'verify --import of a failing message' \
    'smime-verify $S $ca --import -v <"$tmp/bad.eml" >"$tmp/v.eml"'
check_grep '-v says why nothing was stored' 'not imported: smime=fail' "$tmp/.err"
expect_code 'the failed sender is not in the store (67)' 67 \
    'certstore $S get bob@example.com'
msg alice@example.com | smime-sign -p "$tmp/alice.p12" --passin pass:test |
    sed 's/^please$/pleas3/' >"$tmp/bad2.eml"
smime-verify $S $ca --import <"$tmp/bad2.eml" >/dev/null
check_same 'a failing message never touches a stored certificate' \
    "$tmp/store/certs/$fp.meta" "$tmp/meta.before"
msg mallory@example.com | smime-sign -p "$tmp/alice.p12" --passin pass:test >"$tmp/m.eml"
smime-verify $S $ca --import <"$tmp/m.eml" >"$tmp/v.eml"
check_grep 'address mismatch: policy' 'smime=policy' "$tmp/v.eml"
check_same 'a policy failure never touches it either' \
    "$tmp/store/certs/$fp.meta" "$tmp/meta.before"

# Renewal: a new certificate for alice, in a signature (openssl cms,
# which names no key preference) that passes, becomes her best; the old
# certificate's preference was the older signature's.
cp "$pki/sub-ca.key" "$tmp/sub-ca.key"; chmod 600 "$tmp/sub-ca.key"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=email:alice@example.com\n' >"$tmp/ext"
openssl req -new -key "$tmp/alice.key" -subj '/CN=Alice Renewed' 2>/dev/null |
    openssl x509 -req -CA "$pki/sub-ca.pem" -CAkey "$tmp/sub-ca.key" \
    -set_serial 0x7e01 -days 400 -extfile "$tmp/ext" -out "$tmp/alice2.pem" 2>/dev/null
msg alice@example.com '<renewed@example.com>' >"$tmp/r.txt"
openssl cms -sign -signer "$tmp/alice2.pem" -inkey "$tmp/alice.key" \
    -certfile "$pki/sub-ca.pem" -in "$tmp/r.txt" -out "$tmp/r.eml" 2>/dev/null
# openssl cms writes the body only: put the header back on top.
{ sed '/^$/q' "$tmp/r.txt" | grep -v '^$'; cat "$tmp/r.eml"; } >"$tmp/r2.eml"
ok 'verify --import of the renewed certificate' \
    'smime-verify $S $ca --import <"$tmp/r2.eml" >"$tmp/v.eml"'
check_eq 'it passed' "$(ar_result "$tmp/v.eml" | sed 's/ .*//')" pass
certstore $S get alice@example.com >"$tmp/got.pem"
check_eq 'the renewed certificate is now the best' \
    "$(openssl x509 -in "$tmp/got.pem" -noout -serial)" serial=7E01
smime-verify $S $ca --import <"$tmp/bad2.eml" >/dev/null
certstore $S get alice@example.com >"$tmp/got.pem"
check_eq 'a failing signature with the old one changes nothing' \
    "$(openssl x509 -in "$tmp/got.pem" -noout -serial)" serial=7E01

# SMIMEEncryptionKeyPreference (test-tool cms-sign names any carried
# certificate): it counts for the signer's own certificates only.
mkee() {	# mkee NAME KEY SERIAL SAN...
	name=$1 key=$2 ser=$3
	shift 3
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=%s\n' \
	    "$(printf 'email:%s,' "$@" | sed 's/,$//')" >"$tmp/ext"
	openssl req -new -key "$tmp/$key.key" -subj "/CN=$name" 2>/dev/null |
	    openssl x509 -req -CA "$pki/sub-ca.pem" -CAkey "$tmp/sub-ca.key" \
	    -set_serial "$ser" -days 400 -extfile "$tmp/ext" -out "$tmp/$name.pem" 2>/dev/null
}
tsign() {	# tsign FROM MESSAGE-ID KEY CERT [cms-sign options]
	printf 'From: %s\nTo: help@example.org\nSubject: help\nMessage-ID: %s\n' "$1" "$2"
	shift 2
	printf 'Content-Type: text/plain\r\n\r\nplease\r\n' | test-tool cms-sign "$@"
}
serial() { certstore $S get "$1" | openssl x509 -noout -serial; }
mkee alice-e alice 0x7e02 alice@example.com
tsign alice@example.com '<pref@example.com>' "$tmp/alice.key" "$pki/alice.pem" \
    -c "$pki/sub-ca.pem" -c "$tmp/alice-e.pem" -p "$tmp/alice-e.pem" >"$tmp/p.eml"
smime-verify $S $ca --import <"$tmp/p.eml" >"$tmp/v.eml"
check_eq 'a preference for the signer'"'"'s other certificate: it is her best' \
    "$(serial alice@example.com)" serial=7E02
mkee bob2 bob 0x7e03 bob@example.com
tsign bob@example.com '<bob@example.com>' "$tmp/bob.key" "$tmp/bob2.pem" \
    -c "$pki/sub-ca.pem" >"$tmp/b.eml"
smime-verify $S $ca --import <"$tmp/b.eml" >"$tmp/v.eml"
check_eq 'bob signs: his certificate is stored' "$(serial bob@example.com)" serial=7E03
tsign alice@example.com '<plant@example.com>' "$tmp/alice.key" "$pki/alice.pem" \
    -c "$pki/sub-ca.pem" -c "$pki/bob.pem" -p "$pki/bob.pem" >"$tmp/d1.eml"
ok 'alice'"'"'s message naming bob'"'"'s certificate as her preference' \
    'smime-verify $S $ca --import -v <"$tmp/d1.eml" >"$tmp/v.eml"'
check_eq 'it passed' "$(ar_result "$tmp/v.eml" | sed 's/ .*//')" pass
check_grep '-v says why bob'"'"'s certificate was not stored' \
    'not stored: bob@example\.com .*not the signer.s' "$tmp/.err"
check_eq 'bob'"'"'s best is still his own' "$(serial bob@example.com)" serial=7E03
check_eq 'and bob'"'"'s certificate from alice'"'"'s message is not in the store' \
    "$(certstore $S list bob@example.com | wc -l)" 1
mkee both alice 0x7e04 alice@example.com bob@example.com
tsign alice@example.com '<both@example.com>' "$tmp/alice.key" "$pki/alice.pem" \
    -c "$pki/sub-ca.pem" -c "$tmp/both.pem" -p "$tmp/both.pem" >"$tmp/d2.eml"
smime-verify $S $ca --import <"$tmp/d2.eml" >"$tmp/v.eml"
check_eq 'a preferred certificate naming alice and bob: bob'"'"'s best unchanged' \
    "$(serial bob@example.com)" serial=7E03
check_eq 'and it is not stored' \
    "$(certstore $S list | grep -c "$(openssl x509 -in "$tmp/both.pem" -outform DER | sha256sum | cut -c1-64)")" 0
ok 'certstore add of alice'"'"'s message naming bob'"'"'s certificate' \
    'certstore $S $ca add "$tmp/d1.eml"'
check_eq 'add stores it (the file was given)' \
    "$(certstore $S list bob@example.com | wc -l)" 2
check_nogrep 'but without alice'"'"'s preference' '^key-preference: ' \
    "$tmp/store/certs/$(openssl x509 -in "$pki/bob.pem" -outform DER | sha256sum | cut -c1-64).meta"
check_eq 'and bob'"'"'s best is still his own' "$(serial bob@example.com)" serial=7E03

# The signature's signingTime goes to .meta as the other times are
# written, and never moves back: a later signature without one leaves it
# (else a replayed message without one would clear the way for older
# ones, 0062).  Times a minute or two ahead: within the day our clock
# allows, after every signature above.
meta=$tmp/store/certs/$fp.meta
e=$(($(date +%s) + 60))
tsign alice@example.com '<t1@example.com>' "$tmp/alice.key" "$pki/alice.pem" \
    -c "$pki/sub-ca.pem" -t "$(date -u -d "@$e" +%y%m%d%H%M%SZ)" >"$tmp/t1.eml"
smime-verify $S $ca --import <"$tmp/t1.eml" >"$tmp/v.eml"
check_eq '.meta: the signing time, once' "$(grep '^signing-time: ' "$meta")" \
    "signing-time: $(date -u -d "@$e" +%Y-%m-%dT%H:%M:%S.000000Z)"
check_grep '.meta: and the Message-ID beside it' '^message-id: <t1@example\.com>$' "$meta"
msg alice@example.com '<t2@example.com>' >"$tmp/t2.txt"
openssl cms -sign -noattr -signer "$pki/alice.pem" -inkey "$tmp/alice.key" \
    -certfile "$pki/sub-ca.pem" -in "$tmp/t2.txt" -out "$tmp/t2.body" 2>/dev/null
{ sed '/^$/q' "$tmp/t2.txt" | grep -v '^$'; cat "$tmp/t2.body"; } >"$tmp/t2.eml"
smime-verify $S $ca --import <"$tmp/t2.eml" >"$tmp/v.eml"
check_eq 'a passing signature without signingTime: passed' \
    "$(ar_result "$tmp/v.eml" | sed 's/ .*//')" pass
check_eq 'and the latest signing time stays' "$(grep '^signing-time: ' "$meta")" \
    "signing-time: $(date -u -d "@$e" +%Y-%m-%dT%H:%M:%S.000000Z)"
e=$((e + 60))
tsign alice@example.com '<t3@example.com>' "$tmp/alice.key" "$pki/alice.pem" \
    -c "$pki/sub-ca.pem" -t "$(date -u -d "@$e" +%y%m%d%H%M%SZ)" >"$tmp/t3.eml"
certstore $S $ca add "$tmp/t3.eml"
check_eq 'certstore add of a signed message records it too' \
    "$(grep '^signing-time: ' "$meta")" "signing-time: $(date -u -d "@$e" +%Y-%m-%dT%H:%M:%S.000000Z)"

# Our identity from the store.
ok 'certstore identity add' \
    'certstore $S identity add -p "$tmp/helpdesk.p12" --passin pass:test'
msg help@example.org >"$tmp/h.eml"
ok 'smime-sign --as' \
    'smime-sign $S --as help@example.org --passin pass:test <"$tmp/h.eml" >"$tmp/hs.eml"'
check_eq '--as: the help desk signed' \
    "$(smime-verify $ca <"$tmp/hs.eml" | ar_result /dev/stdin | sed 's/ .*//')" pass
ok 'smime-sign takes the identity of the From address' \
    'smime-sign $S --passin pass:test <"$tmp/h.eml" >"$tmp/hs.eml"'
smime-verify $ca <"$tmp/hs.eml" >"$tmp/v2.eml"
check_grep 'From default: signed by help@example.org' \
    'smime-identifier=help@example.org' "$tmp/v2.eml"
expect_code 'no identity for the From address: 78' 78 \
    'msg nobody@example.com | smime-sign $S --passin pass:test'

# The store's anchors and CRLs.
ok 'certstore trust add' 'certstore $S trust add "$pki/root-ca.pem"'
smime-verify $S --no-system-ca <"$tmp/a.eml" >"$tmp/v.eml"
check_eq 'the store'"'"'s ca/ is trusted' "$(ar_result "$tmp/v.eml" | sed 's/ .*//')" pass
certstore $S crl add "$pki/root-ca.crl" && certstore $S crl add "$pki/sub-ca.crl"
msg revoked@example.com | smime-sign -p "$tmp/revoked.p12" --passin pass:test >"$tmp/r.eml"
smime-verify $S --no-system-ca --policy strict <"$tmp/r.eml" >"$tmp/v.eml"
check_eq 'strict: the store'"'"'s crl/ revokes' "$(ar_result "$tmp/v.eml")" 'policy (revoked)'

done_testing
