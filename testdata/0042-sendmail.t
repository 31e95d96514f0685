#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# scripts/smime-sendmail against a fake sendmail that records its argv
# and the message: encrypted (and readable by every recipient, Bcc
# included) when the store has their certificates, exit 67 and nothing
# sent when it has not, signed only when marked "SMIME-Encrypt: no",
# recipients always on the command line (never -t: Bcc is gone from the
# message), nothing sent on any failure, and never plaintext by accident.
. "$(dirname "$0")/lib.sh"
plan 58

pki=$testdir/pki
send=$testdir/../scripts/smime-sendmail
private_keys alice bob helpdesk
S="-S $tmp/store"
helpdesk_store "$tmp/store"
ca="--no-system-ca --ca $pki/root-ca.pem"

sent=$tmp/sent
fake_sendmail "$sent"
export SENDMAIL="$tmp/fake-sendmail"
# sm ARGS...: smime-sendmail with a fresh record of what was sent.
sm() {
	rm -rf "$sent"
	"$send" "$@"
}
argv() { tr '\n' ' ' <"$sent/argv"; }
hdr() { sed '/^\r\{0,1\}$/q' "$1"; }
decrypts_for() {	# decrypts_for NAME: the sent message, decrypted with NAME's key
	smime-decrypt -k "$tmp/$1.key" -c "$pki/$1.pem" <"$sent/msg"
}

cat >"$tmp/reply.eml" <<'EOF'
From: Help Desk <help@example.org>
To: "Liddell, Alice <not@evil.example>" <alice@example.com> (customer)
Cc: undisclosed-recipients:;, ALICE@example.com
Bcc: Bob <bob@example.com>
Subject: Re: the printer
Message-ID: <r1@example.org>

Unplug it, then call the fire brigade.
EOF

# 1. Everyone has a certificate: signed, encrypted, sent.
ok 'encrypted: exit 0' 'sm $S --passin file:"$tmp/pass" <"$tmp/reply.eml"'
check_eq 'the recipients on the command line, once each, Bcc included, no -t' \
    "$(argv)" '-oi -- alice@example.com bob@example.com '
check_grep 'the message is encrypted' \
    '^Content-Type: application/pkcs7-mime; smime-type=(auth)?enveloped-data' "$sent/msg"
check_nogrep 'no plaintext' 'fire brigade' "$sent/msg"
check_nogrep 'no Bcc field' '^Bcc:' "$sent/msg"
check_nogrep 'Bcc'"'"'s address nowhere in the message' 'bob@example.com' "$sent/msg"
check_grep 'the routing header stays outside' '^To: "Liddell, Alice' "$sent/msg"
check_nogrep 'LF line endings for sendmail' "$(printf '\r')" "$sent/msg"
decrypts_for alice >"$tmp/d.eml"
check_grep 'alice decrypts it' '^SMIME-Decrypt: mx.example.org; result=pass' "$tmp/d.eml"
check_grep 'the plaintext is inside' 'fire brigade' "$tmp/d.eml"
smime-verify $ca <"$tmp/d.eml" >"$tmp/v.eml"
check_eq 'signed: smime=pass' "$(ar_result "$tmp/v.eml")" pass
check_grep 'signed by the mailbox identity (the From default)' \
    'smime-identifier=help@example.org' "$tmp/v.eml"
decrypts_for bob >"$tmp/d.eml"
check_grep 'bob (Bcc) decrypts it too' '^SMIME-Decrypt: mx.example.org; result=pass' "$tmp/d.eml"
smime-decrypt $S --passin file:"$tmp/pass" <"$sent/msg" >"$tmp/d.eml"
check_grep 'and the mailbox (the sent copy stays readable)' '^SMIME-Decrypt: mx.example.org; result=pass' "$tmp/d.eml"

# 2. A recipient without a certificate: 67, nothing sent.
sed 's/^Cc: .*/Cc: carol@example.com, dave@example.com/' "$tmp/reply.eml" >"$tmp/nocert.eml"
expect_code 'no certificate: exit 67' 67 'sm $S --passin file:"$tmp/pass" <"$tmp/nocert.eml"'
check_grep 'no certificate: the addresses are named' 'carol@example.com' "$tmp/.err"
check_grep 'no certificate: and that nothing was sent' '^smime-sendmail: .*nothing sent' "$tmp/.err"
ok 'no certificate: nothing sent' '! test -e "$sent"'

# 3. Marked do-not-encrypt: signed only, to everyone, Bcc still hidden.
{ echo 'SMIME-Encrypt: NO (the customer asked)'; cat "$tmp/nocert.eml"; } >"$tmp/plain.eml"
ok 'SMIME-Encrypt: no: exit 0' 'sm $S --passin file:"$tmp/pass" <"$tmp/plain.eml"'
check_eq 'SMIME-Encrypt: no: every recipient, Bcc included' \
    "$(argv)" '-oi -- alice@example.com carol@example.com dave@example.com bob@example.com '
check_grep 'SMIME-Encrypt: no: signed' '^Content-Type: multipart/signed' "$sent/msg"
check_nogrep 'SMIME-Encrypt: no: not encrypted' 'pkcs7-mime' "$sent/msg"
check_grep 'SMIME-Encrypt: no: in the clear, as asked' 'fire brigade' "$sent/msg"
check_nogrep 'SMIME-Encrypt: no: the control field is not sent' '^SMIME-Encrypt' "$sent/msg"
check_nogrep 'SMIME-Encrypt: no: no Bcc field' '^Bcc:' "$sent/msg"
smime-verify $ca <"$sent/msg" >"$tmp/v.eml"
check_eq 'SMIME-Encrypt: no: the signature verifies' "$(ar_result "$tmp/v.eml")" pass
sed 's/^SMIME-Encrypt: NO/SMIME-Encrypt: yes/' "$tmp/plain.eml" >"$tmp/yes.eml"
expect_code 'SMIME-Encrypt: yes is no mark: 67 as before' 67 \
    'sm $S --passin file:"$tmp/pass" <"$tmp/yes.eml"'

# 4. Nothing is sent on any failure.
expect_code 'empty input: 65' 65 'sm $S --passin file:"$tmp/pass" </dev/null'
ok 'empty input: nothing sent' '! test -e "$sent"'
printf 'From: help@example.org\nSubject: to nobody\n\nhi\n' >"$tmp/norcpt.eml"
expect_code 'no recipients: 65' 65 'sm $S --passin file:"$tmp/pass" <"$tmp/norcpt.eml"'
ok 'no recipients: nothing sent' '! test -e "$sent"'
printf 'From: help@example.org\nTo: Alice Liddell\n\nhi\n' >"$tmp/badrcpt.eml"
expect_code 'a recipient that is no address: 65' 65 'sm $S --passin file:"$tmp/pass" <"$tmp/badrcpt.eml"'
check_grep 'which one is named' "cannot make out a recipient address: 'AliceLiddell'" "$tmp/.err"
echo wrong >"$tmp/wrongpass"
expect_code 'wrong passphrase: 77 (smime-sign'"'"'s)' 77 \
    'sm $S --passin file:"$tmp/wrongpass" <"$tmp/reply.eml"'
ok 'wrong passphrase: nothing sent' '! test -e "$sent"'
sed 's/^From: .*/From: someone@example.org/' "$tmp/reply.eml" >"$tmp/other.eml"
expect_code 'no identity for the From address: 78' 78 \
    'sm $S --passin file:"$tmp/pass" <"$tmp/other.eml"'
ok 'no identity: nothing sent' '! test -e "$sent"'
expect_code 'an unknown option: 64' 64 'sm --bogus <"$tmp/reply.eml"'
expect_code 'an argument: 64 (recipients come from the header)' 64 \
    'sm $S alice@example.com <"$tmp/reply.eml"'

# 5. --as, SMIME_STORE, --passin fd:N (read once: only smime-sign gets it).
ok '--as names the identity' \
    'sm --as help@example.org $S --passin file:"$tmp/pass" <"$tmp/other.eml"'
decrypts_for alice | smime-verify $ca >"$tmp/v.eml"
check_grep '--as: signed by help@example.org' 'smime-identifier=help@example.org' "$tmp/v.eml"
ok 'SMIME_STORE and --passin fd:3' \
    'SMIME_STORE="$tmp/store" sm --passin fd:3 <"$tmp/reply.eml" 3<"$tmp/pass"'
check_grep 'fd:3: sent encrypted' '^Content-Type: application/pkcs7-mime' "$sent/msg"

# 6. sendmail's own failure: its sysexits code, else 75.
expect_code 'sendmail exits 75: 75' 75 \
    'FAKE_EXIT=75 sm $S --passin file:"$tmp/pass" <"$tmp/reply.eml"'
expect_code 'sendmail exits 1: 75 (try again)' 75 \
    'FAKE_EXIT=1 sm $S --passin file:"$tmp/pass" <"$tmp/reply.eml"'
check_grep 'and says so' 'fake-sendmail failed \(exit 1\)' "$tmp/.err"
ok '-f sets the envelope sender' \
    'sm $S -f bounces@example.org --passin file:"$tmp/pass" <"$tmp/reply.eml"'
check_eq '-f: in argv before --' "$(argv)" '-oi -f bounces@example.org -- alice@example.com bob@example.com '

# 7. Never plaintext by accident: an smime-encrypt that says it encrypted
# but did not (a bug, a stray alias) is caught before sendmail runs.
mkdir "$tmp/liar"
cat >"$tmp/liar/smime-encrypt" <<'EOF'
#!/bin/sh
# copies -i to -o and reports $LIAR_RESULT
while [ $# -gt 0 ]; do
	case $1 in
	-i) in=$2; shift ;;
	-o) out=$2; shift ;;
	--report) rep=$2; shift ;;
	esac
	shift
done
grep -v '^Bcc:' "$in" >"$out"
echo "{\"tool\":\"smime-encrypt\",\"result\":\"$LIAR_RESULT\"}" >"$rep"
EOF
chmod +x "$tmp/liar/smime-encrypt"
expect_code 'plaintext reported as encrypted: 70' 70 \
    'LIAR_RESULT=pass PATH="$tmp/liar:$PATH" sm $S --passin file:"$tmp/pass" <"$tmp/reply.eml"'
ok 'plaintext reported as encrypted: nothing sent' '! test -e "$sent"'
expect_code 'not encrypted, not marked: 70' 70 \
    'LIAR_RESULT=none PATH="$tmp/liar:$PATH" sm $S --passin file:"$tmp/pass" <"$tmp/reply.eml"'
check_grep 'and says why' 'not marked .SMIME-Encrypt: no.: nothing sent' "$tmp/.err"
ok 'not encrypted, not marked: nothing sent' '! test -e "$sent"'
ok 'not encrypted and marked: that is fine' \
    'LIAR_RESULT=none PATH="$tmp/liar:$PATH" sm $S --passin file:"$tmp/pass" <"$tmp/plain.eml"'

# 8. The address parser: groups, comments, quoted commas and brackets,
# source routes, folding, case; what is sent equals what is encrypted to.
cat >"$tmp/parse.eml" <<'EOF'
From: help@example.org
To: team: "Bob, B. <x@evil.example>" <bob@example.com>,
	alice@example.com (Alice, "the customer" <y@evil.example>);
cc: <@relay.example:alice@example.com>
BCC: "quoted \" <z@evil.example>" <bob@EXAMPLE.com>
Subject: parse

hi
EOF
ok 'parser: sent' 'sm $S --passin file:"$tmp/pass" <"$tmp/parse.eml"'
check_eq 'parser: the addresses, and only them' "$(argv)" '-oi -- bob@example.com alice@example.com '
check_nogrep 'parser: nothing of the display names' 'evil' "$sent/argv"
decrypts_for bob >"$tmp/d.eml"
check_grep 'parser: bob can read it' 'result=pass' "$tmp/d.eml"

done_testing
