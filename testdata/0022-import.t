#!/bin/sh
# The store in use: smime-verify --import harvests only what passes,
# never demotes; smime-sign takes our identity from the store (--as, the
# From address); smime-verify trusts the store's ca/ and checks its crl/.
. "$(dirname "$0")/lib.sh"
plan 27

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
    '^capabilities: aes-256-gcm aes-128-gcm aes-256-cbc aes-128-cbc$' \
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
