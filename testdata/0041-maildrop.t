#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# scripts/maildrop.smime under the real maildrop, delivering into a
# Maildir, included from a mailbox's filter file as its header says.  A
# signed and encrypted message arrives decrypted with both result fields
# and its sender's certificate stored.  A filter that cannot do its job
# (key file mode 644, wrong passphrase, store not writable) gets the
# message delivered exactly as it came, the reason on standard error
# (which the mail system logs); with SMIME_ON_FAILURE=retry, maildrop
# delivers nothing and exits 75, and the same message goes through once
# the cause is fixed.  A bad message (corrupt CMS, truncated) is delivered
# as it came, a negative result on top.
. "$(dirname "$0")/lib.sh"
plan 48

pki=$testdir/pki
recipe=$testdir/../scripts/maildrop.smime
bindir=$(dirname "$(command -v smime-decrypt)")
cp "$pki/alice.p12" "$pki/helpdesk.p12" "$tmp/"
chmod 600 "$tmp/alice.p12" "$tmp/helpdesk.p12"
S="-S $tmp/store"
certstore $S init
certstore $S identity add -p "$tmp/helpdesk.p12" --passin pass:test
certstore $S trust add "$pki/root-ca.pem"
key=$(ls "$tmp/store/keys/"*.pem)
echo test >"$tmp/pass"
echo wrong >"$tmp/wrongpass"
chmod 600 "$tmp/pass" "$tmp/wrongpass"

printf 'From: Alice <alice@example.com>\nTo: help@example.org\nSubject: printer\nMessage-ID: <p1@example.com>\n\nplease help, the printer is on fire\n' |
    smime-sign -p "$tmp/alice.p12" --passin pass:test |
    smime-encrypt -r "$pki/helpdesk.pem" >"$tmp/in.eml"

md=$tmp/Maildir
# mdrop [PASSFILE] < message: deliver as the mailbox would, its
# ~/.mailfilter (mode 0600, or maildrop refuses it) setting the variables
# and including the recipe.  No environment, as in delivery mode.
wrap= extra=
mdrop() {
	rm -rf "$md"
	mkdir -p "$md/new" "$md/cur" "$md/tmp"
	cat >"$tmp/mailfilter" <<-EOF
	SMIME_BINDIR="$bindir"
	SMIME_STORE="$tmp/store"
	SMIME_AUTHSERV_ID="mx.example.org"
	SMIME_PASSFILE="${1:-$tmp/pass}"
	DEFAULT="$md"
	$extra
	include "$recipe"
	EOF
	chmod 600 "$tmp/mailfilter"
	$wrap env -i HOME="$HOME" TMPDIR="$tmp" ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" maildrop "$tmp/mailfilter"
}
count() { find "$md/new" -type f | wc -l; }
got() { find "$md/new" -type f | head -1; }
dres() {
	awk '/^SMIME-Decrypt:/ { p = 1; printf "%s", $0; next }
	    p && /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next }
	    { p = 0 }' "$1" | sed 's/SMIME-Decrypt: //'
}
unours() {
	awk 'top && /^(SMIME-Decrypt|Authentication-Results: mx\.example\.org;)/ { skip = 1; next }
	    top && skip && /^[ \t]/ { next }
	    { top = 0; print }' top=1 "$1"
}
# What maildrop delivers of a message through a filter that changes
# nothing: the "as it came" of the bad-data cases.
# (SHELL: maildrop takes the user's, and nobody's is nologin.)
asis() {
	rm -rf "$tmp/asis"
	mkdir -p "$tmp/asis/new" "$tmp/asis/cur" "$tmp/asis/tmp"
	printf 'SHELL="/bin/sh"\nDEFAULT="%s"\nxfilter "cat"\n' "$tmp/asis" >"$tmp/cat.filter"
	chmod 600 "$tmp/cat.filter"
	env -i HOME="$HOME" maildrop "$tmp/cat.filter" <"$1"
	cat "$tmp/asis/new/"*
}
nodac() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --bounding-set=-dac_override,-dac_read_search --inh-caps=-all "$@"
	else
		"$@"
	fi
}

# 1-3: a filter that cannot do its job.  By default the message is
# delivered exactly as it came and stderr says why; with
# SMIME_ON_FAILURE=retry nothing is delivered and maildrop exits 75.
# failed CASE WHY-RE [PASSFILE]: one failure class, both ways.
failed() {
	_case=$1 _why=$2 _pf=${3-}
	extra=
	ok "$_case: maildrop delivers (exit 0)" 'mdrop $_pf <"$tmp/in.eml"'
	check_eq "$_case: one message" "$(count)" 1
	check_same "$_case: byte for byte as it came" "$(got)" "$tmp/in.eml"
	check_grep "$_case: stderr says why" "$_why" "$tmp/.err"
	extra='SMIME_ON_FAILURE="retry"'
	expect_code "$_case, SMIME_ON_FAILURE=retry: 75" 75 'mdrop $_pf <"$tmp/in.eml"'
	check_eq "$_case, retry: nothing delivered" "$(count)" 0
	check_grep "$_case, retry: stderr says why" "$_why" "$tmp/.err"
	extra=
}
# 1. A key file other users can read.
chmod 644 "$key"
failed 'key mode 644' "^smime-decrypt: key '.*' is readable by others"
chmod 600 "$key"

# 2. The wrong passphrase.
failed 'wrong passphrase' "^smime-decrypt: cannot read key '.*': " "$tmp/wrongpass"

# 3. The store not writable: the message delivered is the encrypted one
# as it came, not a decrypted one whose signature nobody checked.
chmod 500 "$tmp/store" "$tmp/store/certs"
must_fail 'store not writable: it really is not' 'nodac touch "$tmp/store/probe"'
wrap=nodac
failed 'store not writable' "^smime-verify: .*store.*(Permission denied|not writable|read-only)"
wrap=
chmod 700 "$tmp/store" "$tmp/store/certs"
expect_code 'after all that, alice is not in the store' 67 'certstore $S get alice@example.com'

# SMIME_FAILED: where such a message goes.
mkdir -p "$tmp/failed/new" "$tmp/failed/cur" "$tmp/failed/tmp"
chmod 644 "$key"
extra="SMIME_FAILED=\"$tmp/failed\""
ok 'SMIME_FAILED: delivered' 'mdrop <"$tmp/in.eml"'
extra=
check_eq 'SMIME_FAILED: there, not in DEFAULT' \
    "$(find "$tmp/failed/new" -type f | wc -l)/$(count)" 1/0
chmod 600 "$key"

# 4. Fixed: delivered.
ok 'delivered' 'mdrop <"$tmp/in.eml"'
check_eq 'one message in Maildir/new' "$(count)" 1
f=$(got)
check_eq 'SMIME-Decrypt: pass' "$(dres "$f" | sed 's/; recipient=.*//')" \
    'mx.example.org; result=pass; cipher=aes-256-cbc; integrity=none'
check_eq 'Authentication-Results: smime=pass' "$(ar_result "$f")" pass
check_grep 'the signer is alice' 'smime-identifier=alice@example.com' "$f"
check_grep 'decrypted: the plaintext is there' '^please help, the printer is on fire' "$f"
check_eq 'our fields are the first two' \
    "$(grep -E '^[A-Za-z-]+:' "$f" | head -2 | cut -d: -f1 | tr '\n' ' ')" \
    'Authentication-Results SMIME-Decrypt '
ok 'alice'"'"'s certificate landed in the store' \
    'certstore $S get alice@example.com >"$tmp/got.pem"'
check_eq 'it is alice'"'"'s' \
    "$(openssl x509 -in "$tmp/got.pem" -noout -fingerprint -sha256)" \
    "$(openssl x509 -in "$pki/alice.pem" -noout -fingerprint -sha256)"

# 5. Bad messages: delivered as they came, the reason on top.
awk '!d && /^MIAGCSqGSIb3/ { sub(/^MIAGCSqGSIb3/, "AAAAAAAAAAAA"); d = 1 } { print }' \
    "$tmp/in.eml" >"$tmp/corrupt.eml"
check_eq 'the corrupt one differs from the good one' \
    "$(cmp -s "$tmp/in.eml" "$tmp/corrupt.eml"; echo $?)" 1
ok 'corrupt CMS: delivered' 'mdrop <"$tmp/corrupt.eml"'
f=$(got)
check_eq 'corrupt CMS: result=fail (malformed)' "$(dres "$f" | sed 's/ (malformed:.*/ (malformed)/')" \
    'mx.example.org; result=fail (malformed)'
asis "$tmp/corrupt.eml" >"$tmp/corrupt.asis"
unours "$f" >"$tmp/corrupt.got"
check_same 'corrupt CMS: the rest byte for byte as it came' "$tmp/corrupt.got" "$tmp/corrupt.asis"
check_same 'corrupt CMS: which is the original (maildrop changes nothing here)' \
    "$tmp/corrupt.asis" "$tmp/corrupt.eml"

head -n 20 "$tmp/in.eml" >"$tmp/trunc.eml"
ok 'truncated: delivered' 'mdrop <"$tmp/trunc.eml"'
f=$(got)
check_eq 'truncated: result=fail (malformed: truncated)' "$(dres "$f")" \
    'mx.example.org; result=fail (malformed: truncated)'
unours "$f" >"$tmp/trunc.got"
check_same 'truncated: the rest byte for byte as it came' "$tmp/trunc.got" "$tmp/trunc.eml"

# A signature that does not match: delivered, smime=fail, nothing stored.
certstore $S remove alice@example.com
printf 'From: Alice <alice@example.com>\nTo: help@example.org\nSubject: t\n\nthe original words\n' |
    smime-sign -p "$tmp/alice.p12" --passin pass:test |
    sed 's/^the original words/the altered words/' >"$tmp/altered.eml"
ok 'altered: delivered' 'mdrop <"$tmp/altered.eml"'
check_eq 'altered: smime=fail' "$(ar_result "$(got)")" 'fail (signature does not match)'
expect_code 'altered: the sender is not stored' 67 'certstore $S get alice@example.com'

# Forged fields of our authserv-id.
printf 'Authentication-Results: mx.example.org; smime=pass\nSMIME-Decrypt: mx.example.org; result=pass\nFrom: mallory@example.net\nTo: help@example.org\nSubject: trust me\n\nhi\n' >"$tmp/forged.eml"
ok 'forged: delivered' 'mdrop <"$tmp/forged.eml"'
check_eq 'forged: our verdict is none' "$(ar_result "$(got)")" none
check_nogrep 'forged: no pass left' 'pass' "$(got)"

done_testing
