#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Control fields come from our side only.  "SMIME-Encrypt: no" tells
# smime-encrypt and smime-sendmail to send a reply in the clear; in inbound
# mail it is the sender's, never ours.  Whoever writes to the help desk
# puts it outside the encryption (in any case, white space before the
# colon, or hidden after a bare CR, where Python's email package ends a
# line), or inside it; the message goes through the procmail recipe
# (smime-inbound: smime-decrypt, then smime-verify --import); the help
# desk's software (Python's email package here) builds a reply from the
# ticket keeping its other fields, and smime-sendmail sends it.  The reply
# must go out encrypted.  The help desk's own "SMIME-Encrypt: no" still
# works.
. "$(dirname "$0")/lib.sh"
plan 25

pki=$testdir/pki
recipe=$testdir/../scripts/procmailrc.smime
send=$testdir/../scripts/smime-sendmail
bindir=$(dirname "$(command -v smime-decrypt)")
private_keys alice helpdesk
S="-S $tmp/store"
certstore $S init
certstore $S identity add -p "$tmp/helpdesk.p12" --passin pass:test
certstore $S trust add "$pki/root-ca.pem"
certstore $S add "$pki/sub-ca.pem" "$pki/alice.pem"
echo test >"$tmp/pass"
chmod 600 "$tmp/pass"

md=$tmp/Maildir
pm() {	# the recipe, as 0040-procmail.t runs it
	rm -rf "$md"
	mkdir -p "$md/new" "$md/cur" "$md/tmp"
	procmail -m SMIME_BINDIR="$bindir" SMIME_STORE="$tmp/store" \
	    SMIME_AUTHSERV_ID=mx.example.org SMIME_PASSFILE="$tmp/pass" \
	    MAILDIR="$tmp" DEFAULT="$md/" LOGFILE="$tmp/procmail.log" \
	    TMPDIR="$tmp" ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" "$recipe"
}
got() { find "$md/new" -type f | head -1; }
# seen NAME FILE: NAME fields in the header, for a reader that also ends
# lines at a bare CR and takes white space before the colon, any case.
seen() {
	hdr "$2" | sed 's/\r$//' | tr '\r' '\n' | sed '/^$/q' |
	    grep -c -i -E "^$1[ 	]*:" || true
}
cat >"$tmp/fake-sendmail" <<EOF
#!/bin/sh
cat >"$tmp/sent"
EOF
chmod +x "$tmp/fake-sendmail"
export SENDMAIL="$tmp/fake-sendmail"
# reply FILE: the help desk's reply to the ticket in FILE, built by
# Python's email package keeping the ticket's other fields.
reply() {
	python3 -c 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for k in ("From", "To", "Subject", "Message-ID"):
	del m[k]
m["From"] = "Help Desk <help@example.org>"
m["To"] = "alice@example.com"
m["Subject"] = "Re: printer"
if len(sys.argv) > 2:
	m["SMIME-Encrypt"] = "no"
m.set_payload("Unplug it.\n")
sys.stdout.buffer.write(m.as_bytes())' "$@"
}

outer='From: alice@example.com\nTo: help@example.org\nSubject: printer\n'
inner='Content-Type: text/plain\n\nthe printer is on fire\n'
# The four tickets.
printf "${outer}SMIME-Encrypt: no\n$inner" >"$tmp/plain.eml"
printf "SMIME-ENCRYPT: no\n$inner" |
    openssl cms -encrypt -aes-256-cbc "$pki/helpdesk.pem" |
    sed '/^MIME-Version:/d' |
    { printf "${outer}smime-encrypt: No (thanks)\n"; cat; } >"$tmp/both.eml"
printf "SMIME-Encrypt: no\n$inner" |
    openssl cms -encrypt -aes-256-cbc "$pki/helpdesk.pem" |
    sed '/^MIME-Version:/d' | { printf "$outer"; cat; } >"$tmp/inside.eml"
printf "${outer}X-Ticket: 1\rSMIME-Encrypt: no\n$inner" >"$tmp/barecr.eml"

for t in plain both inside barecr; do
	ok "$t: the recipe delivers it" 'pm <"$tmp/$t.eml"'
	check_eq "$t: delivered without SMIME-Encrypt" \
	    "$(seen SMIME-Encrypt "$(got)")" 0
	reply "$(got)" >"$tmp/reply.eml"
	ok "$t: the reply is sent" \
	    '"$send" $S --passin file:"$tmp/pass" <"$tmp/reply.eml"'
	check_grep "$t: encrypted" \
	    '^Content-Type: application/pkcs7-mime; smime-type=(auth)?enveloped-data' \
	    "$tmp/sent"
	smime-decrypt -k "$tmp/alice.key" -c "$pki/alice.pem" <"$tmp/sent" \
	    >"$tmp/dec"
	dres "$tmp/dec" >"$tmp/dres"
	check_grep "$t: alice decrypts it" 'result=pass' "$tmp/dres"
done

# Each inbound filter alone, white space before the colon outside.
sed '1i SMIME-Encrypt : no' "$tmp/inside.eml" >"$tmp/obs.eml"
smime-decrypt -k "$tmp/helpdesk.key" -c "$pki/helpdesk.pem" \
    <"$tmp/obs.eml" >"$tmp/d.out"
check_eq 'smime-decrypt alone: neither outer nor inner SMIME-Encrypt' \
    "$(seen SMIME-Encrypt "$tmp/d.out")" 0
smime-verify --no-system-ca <"$tmp/obs.eml" >"$tmp/v.out"
check_eq 'smime-verify alone: no SMIME-Encrypt : no' \
    "$(seen SMIME-Encrypt "$tmp/v.out")" 0
smime-verify --no-system-ca <"$tmp/barecr.eml" >"$tmp/v.out"
check_eq 'smime-verify alone: not the one behind a bare CR' \
    "$(seen SMIME-Encrypt "$tmp/v.out")" 0

# The help desk's own mark still means what it says.
pm <"$tmp/plain.eml"
reply "$(got)" mark >"$tmp/reply.eml"
ok 'our own SMIME-Encrypt: no: sent' \
    '"$send" $S --passin file:"$tmp/pass" <"$tmp/reply.eml"'
check_nogrep 'our own SMIME-Encrypt: no: signed, not encrypted' \
    'enveloped-data' "$tmp/sent"

done_testing
