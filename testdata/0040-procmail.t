#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# scripts/procmailrc.smime under the real procmail, delivering into a
# Maildir: a signed and encrypted message arrives decrypted with both
# result fields and its sender's certificate stored.  What the recipe
# promises for each failure: a filter that cannot do its job (key file
# mode 644, wrong passphrase, store not writable) gets the message
# delivered exactly as it came and the log says why (with
# SMIME_ON_FAILURE=retry: nothing delivered, exit 75, and the same message
# goes through once the cause is fixed); a bad message (corrupt CMS,
# truncated) is delivered as it came, a negative result on top, and the
# log says why.
. "$(dirname "$0")/lib.sh"
plan 68

pki=$testdir/pki
recipe=$testdir/../scripts/procmailrc.smime
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
log=$tmp/procmail.log
# pm [VAR=value ...]: deliver stdin with $rcfile (the recipe), as the
# mailbox would: procmail clears the environment, so everything comes as
# assignments.  One rcfile only: after HOST stops one, procmail would go
# on with the next rcfile on its command line.  -m, as a pipe(8)
# transport runs it: without it, procmail creates /var/mail/$LOGNAME.
rcfile=$recipe wrap=
pm() {
	rm -rf "$md" "$log"
	mkdir -p "$md/new" "$md/cur" "$md/tmp"
	$wrap procmail -m SMIME_BINDIR="$bindir" SMIME_STORE="$tmp/store" \
	    SMIME_AUTHSERV_ID=mx.example.org SMIME_PASSFILE="$tmp/pass" \
	    MAILDIR="$tmp" DEFAULT="$md/" LOGFILE="$log" TMPDIR="$tmp" \
	    ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	    "$@" "$rcfile"
}
count() { find "$md/new" -type f | wc -l; }
got() { find "$md/new" -type f | head -1; }
# The SMIME-Decrypt field unfolded.
dres() {
	awk '/^SMIME-Decrypt:/ { p = 1; printf "%s", $0; next }
	    p && /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next }
	    { p = 0 }' "$1" | sed 's/SMIME-Decrypt: //'
}
# The message without our two fields at the top of its header.
unours() {
	awk 'top && /^(SMIME-Decrypt|Authentication-Results: mx\.example\.org;)/ { skip = 1; next }
	    top && skip && /^[ \t]/ { next }
	    { top = 0; print }' top=1 "$1"
}
# What procmail delivers of a message through a filter that changes
# nothing (procmail hands a filter the message with an empty line at its
# end): the "as it came" of the bad-data cases.
printf ':0 fw\n| cat\n' >"$tmp/cat.rc"
asis() {
	rm -rf "$tmp/asis"
	mkdir -p "$tmp/asis/new" "$tmp/asis/cur" "$tmp/asis/tmp"
	procmail -m DEFAULT="$tmp/asis/" "$tmp/cat.rc" <"$1"
	cat "$tmp/asis/new/"*
}
# Write access to the store taken away, even from root (who would
# otherwise write through any mode): without CAP_DAC_OVERRIDE.
nodac() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --bounding-set=-dac_override,-dac_read_search --inh-caps=-all "$@"
	else
		"$@"
	fi
}

# 1-3: a filter that cannot do its job.  By default the message is
# delivered exactly as it came (procmail rescues the unfiltered data) and
# the log says why; with SMIME_ON_FAILURE=retry nothing is delivered and
# procmail exits 75.
# failed CASE WHY-RE [VAR=value...]: one failure class, both ways.
failed() {
	_case=$1 _why=$2
	shift 2
	_extra="$*"	# assignments without white space
	ok "$_case: procmail delivers (exit 0)" 'pm $_extra <"$tmp/in.eml"'
	check_eq "$_case: one message" "$(count)" 1
	check_same "$_case: byte for byte as it came" "$(got)" "$tmp/in.eml"
	check_grep "$_case: the log says why" "$_why" "$log"
	check_grep "$_case: and what procmail did" \
	    '^smimetools: smime-inbound failed: delivered as it came' "$log"
	expect_code "$_case, SMIME_ON_FAILURE=retry: 75" 75 \
	    'pm SMIME_ON_FAILURE=retry $_extra <"$tmp/in.eml"'
	check_eq "$_case, retry: nothing delivered" "$(count)" 0
	check_grep "$_case, retry: the log says so" \
	    '^smimetools: smime-inbound failed: not delivered, exit 75' "$log"
}
# 1. A key file other users can read.
chmod 644 "$key"
failed 'key mode 644' "^smime-decrypt: key '.*' is readable by others"
chmod 600 "$key"

# 2. The wrong passphrase.  (OpenSSL's reason varies: the key's salt is
# new with every store, and one wrong passphrase in about 256 decrypts
# to bad DER, not bad padding.)
failed 'wrong passphrase' "^smime-decrypt: cannot read key '.*': " \
    SMIME_PASSFILE="$tmp/wrongpass"

# 3. The store not writable: smime-verify --import cannot store alice;
# the message delivered is still the encrypted one, not a decrypted one
# whose signature nobody checked.
chmod 500 "$tmp/store" "$tmp/store/certs"
must_fail 'store not writable: it really is not' 'nodac touch "$tmp/store/probe"'
wrap=nodac
failed 'store not writable' \
    "^smime-verify: .*store.*(Permission denied|not writable|read-only)"
wrap=
check_grep 'store not writable: smime-verify is the one that failed' \
    '^smime-inbound: smime-verify exited 75' "$log"
chmod 700 "$tmp/store" "$tmp/store/certs"
expect_code 'after all that, alice is not in the store' 67 'certstore $S get alice@example.com'

# 4. The cause fixed, the mail system's retry goes through.
ok 'delivered' 'pm <"$tmp/in.eml"'
check_eq 'one message in Maildir/new' "$(count)" 1
f=$(got)
check_eq 'SMIME-Decrypt: pass' "$(dres "$f" | sed 's/; recipient=.*//')" \
    'mx.example.org; result=pass; cipher=aes-256-cbc; integrity=none'
check_eq 'Authentication-Results: smime=pass' "$(ar_result "$f")" pass
check_grep 'the signer is alice' 'smime-identifier=alice@example.com' "$f"
check_grep 'decrypted: the plaintext is there' '^please help, the printer is on fire' "$f"
check_nogrep 'no ciphertext left' 'application/pkcs7-mime' "$f"
check_eq 'our fields are the first two' \
    "$(grep -E '^[A-Za-z-]+:' "$f" | head -2 | cut -d: -f1 | tr '\n' ' ')" \
    'Authentication-Results SMIME-Decrypt '
ok 'alice'"'"'s certificate landed in the store' \
    'certstore $S get alice@example.com >"$tmp/got.pem"'
check_eq 'it is alice'"'"'s' \
    "$(openssl x509 -in "$tmp/got.pem" -noout -fingerprint -sha256)" \
    "$(openssl x509 -in "$pki/alice.pem" -noout -fingerprint -sha256)"
check_grep 'the log: the decryption result' \
    '^smimetools: SMIME-Decrypt: mx.example.org; result=pass; cipher=aes-256-cbc' "$log"
check_grep 'the log: the signature result' \
    '^smimetools: Authentication-Results: mx.example.org; smime=pass' "$log"
check_nogrep 'the log: no failure' 'failed' "$log"

# 5. Bad messages are delivered as they came, with the reason on top.
# Corrupt CMS: the first bytes of the DER (its outer SEQUENCE) changed.
awk '!d && /^MIAGCSqGSIb3/ { sub(/^MIAGCSqGSIb3/, "AAAAAAAAAAAA"); d = 1 } { print }' \
    "$tmp/in.eml" >"$tmp/corrupt.eml"
check_eq 'the corrupt one differs from the good one' \
    "$(cmp -s "$tmp/in.eml" "$tmp/corrupt.eml"; echo $?)" 1
ok 'corrupt CMS: delivered' 'pm <"$tmp/corrupt.eml"'
f=$(got)
check_eq 'corrupt CMS: one message' "$(count)" 1
check_eq 'corrupt CMS: result=fail (malformed)' "$(dres "$f" | sed 's/ (malformed:.*/ (malformed)/')" \
    'mx.example.org; result=fail (malformed)'
check_eq 'corrupt CMS: smime=none (nothing signed in sight)' "$(ar_result "$f")" none
asis "$tmp/corrupt.eml" >"$tmp/corrupt.asis"
unours "$f" >"$tmp/corrupt.got"
check_same 'corrupt CMS: the rest byte for byte as it came' "$tmp/corrupt.got" "$tmp/corrupt.asis"
check_grep 'corrupt CMS: the log says why' \
    '^smimetools: SMIME-Decrypt: mx.example.org; result=fail.*malformed' "$log"

# Truncated: the message cut after its 20th line, in the base64.
head -n 20 "$tmp/in.eml" >"$tmp/trunc.eml"
ok 'truncated: delivered' 'pm <"$tmp/trunc.eml"'
f=$(got)
check_eq 'truncated: one message' "$(count)" 1
check_eq 'truncated: result=fail (malformed: truncated)' "$(dres "$f")" \
    'mx.example.org; result=fail (malformed: truncated)'
asis "$tmp/trunc.eml" >"$tmp/trunc.asis"
unours "$f" >"$tmp/trunc.got"
check_same 'truncated: the rest byte for byte as it came' "$tmp/trunc.got" "$tmp/trunc.asis"
check_grep 'truncated: the log says why' \
    '^smimetools: SMIME-Decrypt: mx.example.org; result=fail \(malformed: truncated\)' "$log"

# A signature that does not match (one byte of the signed text changed):
# delivered, smime=fail, and the sender's certificate not stored.
certstore $S remove alice@example.com
printf 'From: Alice <alice@example.com>\nTo: help@example.org\nSubject: t\n\nthe original words\n' |
    smime-sign -p "$tmp/alice.p12" --passin pass:test |
    sed 's/^the original words/the altered words/' >"$tmp/altered.eml"
ok 'altered: delivered' 'pm <"$tmp/altered.eml"'
f=$(got)
check_eq 'altered: smime=fail' "$(ar_result "$f")" 'fail (signature does not match)'
check_eq 'altered: not encrypted' "$(dres "$f")" 'mx.example.org; result=none (not encrypted)'
expect_code 'altered: the sender is not stored' 67 'certstore $S get alice@example.com'

# A plain message with forged fields of our authserv-id.
printf 'Authentication-Results: mx.example.org; smime=pass\nSMIME-Decrypt: mx.example.org; result=pass\nFrom: mallory@example.net\nTo: help@example.org\nSubject: trust me\n\nhi\n' >"$tmp/forged.eml"
ok 'forged: delivered' 'pm <"$tmp/forged.eml"'
f=$(got)
check_eq 'forged: our verdict is none' "$(ar_result "$f")" none
check_eq 'forged: one Authentication-Results, one SMIME-Decrypt' \
    "$(grep -c -E '^(Authentication-Results|SMIME-Decrypt):' "$f")" 2
check_nogrep 'forged: no pass left' 'pass' "$f"

# 6. As a mailbox uses it: INCLUDERC at the top of its own rcfile, its
# rules after, on the result field.
cat >"$tmp/procmailrc" <<EOF
INCLUDERC=$recipe
:0
* ^Authentication-Results: mx\.example\.org; smime=pass
$tmp/verified/
EOF
rm -rf "$tmp/verified"
rcfile=$tmp/procmailrc
ok 'INCLUDERC: delivered' 'pm <"$tmp/in.eml"'
check_eq 'INCLUDERC: the rule after it filed the verified message' \
    "$(find "$tmp/verified/new" -type f 2>/dev/null | wc -l)/$(count)" 1/0
# A failure with forged fields of ours in the message: delivered as it
# came, but the rules after the recipe do not run, so the forged
# smime=pass files nothing into verified/.
{ printf 'Authentication-Results: mx.example.org; smime=pass\n'; cat "$tmp/in.eml"; } >"$tmp/forged-in.eml"
chmod 644 "$key"
rm -rf "$tmp/verified"
ok 'INCLUDERC, a failure: delivered' 'pm <"$tmp/forged-in.eml"'
check_eq 'INCLUDERC, a failure: to DEFAULT, not by the rule on the forged field' \
    "$(find "$tmp/verified/new" -type f 2>/dev/null | wc -l)/$(count)" 0/1
check_same 'INCLUDERC, a failure: as it came' "$(got)" "$tmp/forged-in.eml"
expect_code 'INCLUDERC, SMIME_ON_FAILURE=retry: 75' 75 \
    'pm SMIME_ON_FAILURE=retry <"$tmp/in.eml"'
mkdir -p "$tmp/failed/new" "$tmp/failed/cur" "$tmp/failed/tmp"
ok 'SMIME_FAILED: delivered' 'pm SMIME_FAILED="$tmp/failed/" <"$tmp/in.eml"'
check_eq 'SMIME_FAILED: there, not in DEFAULT' \
    "$(find "$tmp/failed/new" -type f | wc -l)/$(count)" 1/0
chmod 600 "$key"

done_testing
