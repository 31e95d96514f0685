#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# No rollback by replay (smimetools(7), RFC 8551 section 2.5.3).  Alice
# signs today with certificate A (smime-sign: AES-GCM among her
# capabilities).  An attacker replays an older message of hers, signed
# in 2025 with another certificate, B (test-tool cms-sign -t: OpenSSL's
# default capabilities, CBC only), or with A itself; or a message whose
# signingTime is a year ahead (certificate C).  Old code took whatever
# came last: B or C became her best certificate, the capabilities went
# back to CBC.  Now what an older signature, or one dated ahead while
# she has a signing time on record, says of her is not recorded (its
# certificate is stored as data, never seen): her best and its
# capabilities stay; a newer signature still renews.
. "$(dirname "$0")/lib.sh"
plan 18

pki=$testdir/pki
private_keys alice
S="-S $tmp/store"
st=$tmp/store
ca="--no-system-ca --ca $pki/root-ca.pem"
cp "$pki/sub-ca.key" "$tmp/sub-ca.key"
chmod 600 "$tmp/sub-ca.key"
fpof() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
serial() { certstore $S get alice@example.com | openssl x509 -noout -serial; }
# renew NAME SERIAL: another certificate for alice's key, from the sub CA.
renew() {
	printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
	    'keyUsage=critical,digitalSignature,keyEncipherment' \
	    'extendedKeyUsage=emailProtection' \
	    'subjectAltName=email:alice@example.com' >"$tmp/ext"
	openssl req -new -key "$tmp/alice.key" -subj "/CN=Alice $1" 2>/dev/null |
	    openssl x509 -req -CA "$pki/sub-ca.pem" -CAkey "$tmp/sub-ca.key" \
	    -set_serial "$2" -days 3650 -extfile "$tmp/ext" \
	    -out "$tmp/$1.pem" 2>/dev/null
}
# tsign MESSAGE-ID CERT TIME: alice's message signed with CERT at TIME
# (UTCTime, YYMMDDHHMMSSZ).
tsign() {
	printf 'From: alice@example.com\nTo: help@example.org\nSubject: s\nMessage-ID: %s\n' "$1"
	printf 'Content-Type: text/plain\r\n\r\nhello\r\n' |
	    test-tool cms-sign "$tmp/alice.key" "$2" -c "$pki/sub-ca.pem" -t "$3"
}
import() { smime-verify $S $ca --import -v <"$1" >"$tmp/v.eml" 2>"$tmp/imp.err"; }
renew B 0x7f0b
renew C 0x7f0c
ahead=$(date -u -d '+1 year' +%y%m%d%H%M%SZ)
tsign '<old-b@example.com>' "$tmp/B.pem" 250101000000Z >"$tmp/old-b.eml"
tsign '<old-a@example.com>' "$pki/alice.pem" 250101000000Z >"$tmp/old-a.eml"
tsign '<ahead@example.com>' "$tmp/C.pem" "$ahead" >"$tmp/ahead.eml"
printf 'From: alice@example.com\nTo: help@example.org\nSubject: s\nMessage-ID: <a@example.com>\n\nhello\n' |
    smime-sign -p "$tmp/alice.p12" --passin pass:test >"$tmp/a.eml"

certstore $S init
import "$tmp/a.eml"
check_eq 'A, signed now: her best' "$(serial)" serial=1001
a=$st/certs/$(fpof "$pki/alice.pem").meta
check_grep 'with AES-GCM' '^capabilities: aes-256-gcm ' "$a"
cp "$a" "$tmp/a.meta"

# 1. B's message of 2025, replayed after A's.
ok 'the replay of B passes' 'import "$tmp/old-b.eml"'
check_eq 'it passes (an old message is still a valid one)' \
    "$(ar_result "$tmp/v.eml" | sed 's/ .*//')" pass
check_grep '-v says why nothing changed' 'what the signature says is not recorded: signed at 2025-01-01T00:00:00.000000Z, before the sender.s signature of ' "$tmp/imp.err"
check_eq 'A stays her best' "$(serial)" serial=1001
check_nogrep 'B is stored as data, never seen in a signature' '^(last-seen|capabilities|signing-time):' \
    "$st/certs/$(fpof "$tmp/B.pem").meta"

# 2. A's own older message (CBC only): A's capabilities stay.
import "$tmp/old-a.eml"
check_same 'A'"'"'s .meta is unchanged (capabilities, times)' "$a" "$tmp/a.meta"

# 3. certstore add of the replay: what its signature says is not
# recorded either.
ok 'certstore add of the replay' 'certstore $S $ca add "$tmp/old-b.eml"'
check_nogrep 'B: still no last-seen' '^last-seen:' "$st/certs/$(fpof "$tmp/B.pem").meta"
check_eq 'A stays her best' "$(serial)" serial=1001

# 4. A signature dated a year ahead orders nothing.
import "$tmp/ahead.eml"
check_grep '-v says why' 'not recorded: signed at .*, more than a day ahead of our clock' "$tmp/imp.err"
check_eq 'A stays her best' "$(serial)" serial=1001

# 5. Nor does it block what comes after it: in a new store, C's message
# dated ahead first (stored: nothing of hers to compare with, its time
# not recorded), then A's of now.
S="-S $tmp/store2"
certstore $S init
import "$tmp/ahead.eml"
check_nogrep 'the claim ahead is not recorded' '^signing-time:' \
    "$tmp/store2/certs/$(fpof "$tmp/C.pem").meta"
import "$tmp/a.eml"
check_eq 'then A, signed now: her best' "$(serial)" serial=1001

# 6. A newer signature still renews: B signed a minute from now.
S="-S $tmp/store"
tsign '<new-b@example.com>' "$tmp/B.pem" "$(date -u -d '+1 minute' +%y%m%d%H%M%SZ)" >"$tmp/new-b.eml"
import "$tmp/new-b.eml"
check_eq 'B signed later: now her best' "$(serial)" serial=7F0B
check_grep 'with its capabilities (no GCM)' '^capabilities: aes-256-cbc' \
    "$st/certs/$(fpof "$tmp/B.pem").meta"
import "$tmp/a.eml"
check_eq 'and A'"'"'s message, replayed after it, changes nothing' "$(serial)" serial=7F0B

done_testing
