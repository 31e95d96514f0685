#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Header protection (RFC 9788), sending: smime-sign always copies the
# non-structural fields into the signed entity (hp="clear");
# --protect-headers=HCP on smime-sign and smime-encrypt writes
# hp="cipher", HP-Outer and the outside the policy obscures, and a Legacy
# Display Element in the first text/plain part (7bit, quoted-printable,
# base64; not with --no-legacy-display); sign only, encrypt only, sign
# then encrypt, LF and CRLF; the structure read back by Python's email
# package, the signatures and encryption by openssl cms; the refusals
# (a user-facing field twice, hp= already there, a signed payload that
# is not hp="cipher"); smime-sendmail's policy and its confidential
# replies through a fake sendmail.
. "$(dirname "$0")/lib.sh"
plan 163

pki=$testdir/pki
private_keys alice bob helpdesk
sign="smime-sign -k $tmp/alice.key -c $pki/alice.pem"
enc="smime-encrypt -r $pki/bob.pem"

# facts OUTPUT [PAYLOADFILE]: what Python's email package reads: the
# outside's fields (out.NAME=), the payload's hp, its copies (in.NAME=),
# its HP-Outer records, and each leaf: type, hp-legacy-display, the first
# line of its decoded body.  The payload is the first part of a
# multipart/signed, else the message (a decrypted entity) itself.
cat >"$tmp/facts.py" <<'EOF'
import email, email.policy, sys
out = email.message_from_binary_file(open(sys.argv[1], 'rb'),
    policy=email.policy.compat32)
for k in ('From', 'To', 'Subject', 'Date', 'Keywords', 'Bcc', 'Received'):
    for v in out.get_all(k) or []:
        print('out.%s=%s' % (k, ' '.join(v.split())))
msg = out
if len(sys.argv) > 2:
    msg = email.message_from_binary_file(open(sys.argv[2], 'rb'),
        policy=email.policy.compat32)
if msg.get_content_type() == 'multipart/signed':
    msg = msg.get_payload(0)
print('hp=%s' % msg.get_param('hp'))
for k in ('From', 'To', 'Subject', 'Date', 'Keywords', 'Bcc', 'Received',
          'Message-ID', 'X-Mailer'):
    for v in msg.get_all(k) or []:
        print('in.%s=%s' % (k, ' '.join(v.split())))
for v in msg.get_all('HP-Outer') or []:
    print('hp-outer=%s' % ' '.join(v.split()))
for n, part in enumerate(msg.walk()):
    if part.is_multipart():
        continue
    body = part.get_payload(decode=True) or b''
    first = body.split(b'\n')[0].rstrip(b'\r').decode('utf-8', 'replace')
    print('part%d=%s lde=%s first=%s' % (n, part.get_content_type(),
        part.get_param('hp-legacy-display'), first))
    if b'original text' in body or b'hello world' in body:
        print('part%d.text=kept' % n)
EOF
facts() { python3 "$tmp/facts.py" "$@"; }
osslverify() { openssl cms -verify -noverify -in "$1" -out "$2" 2>/dev/null; }
ossldecrypt() {
	openssl cms -decrypt -inkey "$tmp/bob.key" -recip "$pki/bob.pem" \
	    -in "$1" -out "$2"
}

cat >"$tmp/plain.eml" <<'EOF'
Received: from client by mx
From: Alice Example <alice@example.com>
To: bob@example.com
Bcc: carol@example.com
Subject: the Jones contract
Date: Wed, 11 Jan 2023 16:08:43 -0500
Message-ID: <1@example.com>
Keywords: jones
X-Mailer: test

original text
EOF
crlf "$tmp/plain.eml" >"$tmp/plain-crlf.eml"
cat >"$tmp/qp.eml" <<'EOF'
From: alice@example.com
To: bob@example.com
Subject: caf=C3=A9 quoted
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

original text caf=C3=A9
EOF
cat >"$tmp/b64.eml" <<'EOF'
From: alice@example.com
To: bob@example.com
Subject: in base64
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

b3JpZ2luYWwgdGV4dAo=
EOF
cat >"$tmp/mp.eml" <<'EOF'
From: alice@example.com
To: bob@example.com
Subject: in parts
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: multipart/alternative; boundary="b2"

--b2
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

aGVsbG8gd29ybGQK
--b2
Content-Type: text/html; charset=utf-8

<p>hello world</p>
--b2--
--b1
Content-Type: text/plain
Content-Disposition: attachment

attached
--b1--
EOF

# 1. smime-sign, no option: Injected Headers, hp="clear", nothing hidden.
for m in plain plain-crlf; do
	ok "$m: signed" "$sign <\"$tmp/$m.eml\" >\"$tmp/s.eml\""
	ok "$m: openssl cms -verify accepts it" 'osslverify "$tmp/s.eml" "$tmp/v.eml"'
	facts "$tmp/s.eml" >"$tmp/f"
	check_grep "$m: payload hp=clear" '^hp=clear$' "$tmp/f"
	check_grep "$m: Subject copied" '^in.Subject=the Jones contract$' "$tmp/f"
	check_grep "$m: From copied" '^in.From=Alice Example <alice@example.com>$' "$tmp/f"
	check_grep "$m: X-Mailer copied" '^in.X-Mailer=test$' "$tmp/f"
	check_nogrep "$m: Bcc, Received not copied" '^in.(Bcc|Received)=' "$tmp/f"
	check_grep "$m: outside Subject as it was" '^out.Subject=the Jones contract$' "$tmp/f"
	check_nogrep "$m: no HP-Outer, no LDE" '^hp-outer=|lde=1' "$tmp/f"
done
check_grep 'CRLF in, CRLF out' "$(printf '\r$')" "$tmp/s.eml"

# 2. smime-sign under each policy.
ok 'hcp_baseline (bare --protect-headers)' "$sign --protect-headers <\"$tmp/plain.eml\" >\"$tmp/s.eml\""
ok 'baseline: openssl verifies' 'osslverify "$tmp/s.eml" "$tmp/v.eml"'
facts "$tmp/s.eml" >"$tmp/f"
check_grep 'baseline: hp=cipher' '^hp=cipher$' "$tmp/f"
check_grep 'baseline: outside Subject: [...]' '^out.Subject=\[\.\.\.\]$' "$tmp/f"
check_nogrep 'baseline: no Keywords outside' '^out.Keywords=' "$tmp/f"
check_grep 'baseline: Keywords inside' '^in.Keywords=jones$' "$tmp/f"
check_grep 'baseline: From outside untouched' '^out.From=Alice Example <alice@example.com>$' "$tmp/f"
check_grep 'baseline: HP-Outer of Subject' '^hp-outer=Subject: \[\.\.\.\]$' "$tmp/f"
check_grep 'baseline: HP-Outer of From' '^hp-outer=From: Alice Example <alice@example.com>$' "$tmp/f"
check_nogrep 'baseline: no HP-Outer of Keywords (not outside)' '^hp-outer=Keywords' "$tmp/f"
check_grep 'baseline: LDE in the text part' '^part0=text/plain lde=1 first=Subject: the Jones contract$' "$tmp/f"
check_grep 'baseline: the text follows it' '^part0.text=kept$' "$tmp/f"

ok 'hcp_shy' "$sign --protect-headers=hcp_shy <\"$tmp/plain.eml\" >\"$tmp/s.eml\""
facts "$tmp/s.eml" >"$tmp/f"
check_grep 'shy: From outside without display name, same address' '^out.From=<alice@example.com>$' "$tmp/f"
check_grep 'shy: Date outside in UTC' '^out.Date=Wed, 11 Jan 2023 21:08:43 \+0000$' "$tmp/f"
check_grep 'shy: Date inside as written' '^in.Date=Wed, 11 Jan 2023 16:08:43 -0500$' "$tmp/f"
check_grep 'shy: LDE starts with From' '^part0=text/plain lde=1 first=From: Alice Example <alice@example.com>$' "$tmp/f"
body "$tmp/s.eml" >"$tmp/b"
check_grep 'shy: LDE has the Date line' '^Date: Wed, 11 Jan 2023 16:08:43 -0500' "$tmp/b"

ok 'hcp_no_confidentiality' "$sign --protect-headers=hcp_no_confidentiality <\"$tmp/plain.eml\" >\"$tmp/s.eml\""
facts "$tmp/s.eml" >"$tmp/f"
check_grep 'no_confidentiality: hp=cipher' '^hp=cipher$' "$tmp/f"
check_grep 'no_confidentiality: Subject outside' '^out.Subject=the Jones contract$' "$tmp/f"
check_grep 'no_confidentiality: HP-Outer' '^hp-outer=Subject: the Jones contract$' "$tmp/f"
check_nogrep 'no_confidentiality: no LDE' 'lde=1' "$tmp/f"

ok '--no-legacy-display' "$sign --protect-headers --no-legacy-display <\"$tmp/plain.eml\" >\"$tmp/s.eml\""
facts "$tmp/s.eml" >"$tmp/f"
check_grep '--no-legacy-display: Subject still hidden' '^out.Subject=\[\.\.\.\]$' "$tmp/f"
check_grep '--no-legacy-display: the text part as it was' '^part0=text/plain lde=None first=original text$' "$tmp/f"
expect_code 'bad policy: 64' 64 "$sign --protect-headers=hcp_bogus <\"$tmp/plain.eml\""

# 3. The text part's encodings, multipart, CRLF.
for m in qp b64 mp plain-crlf; do
	ok "$m: signed, baseline" "$sign --protect-headers <\"$tmp/$m.eml\" >\"$tmp/s.eml\""
	ok "$m: openssl verifies" 'osslverify "$tmp/s.eml" "$tmp/v.eml"'
	facts "$tmp/s.eml" >"$tmp/f"
	check_grep "$m: the first text/plain part has the LDE" \
	    '^part[0-9]+=text/plain lde=1 first=Subject: ' "$tmp/f"
	check_grep "$m: its text kept after it" '^part[0-9]+\.text=kept$' "$tmp/f"
	check_eq "$m: one LDE only" "$(grep -c 'lde=1' "$tmp/f")" 1
done
$sign --protect-headers <"$tmp/qp.eml" >"$tmp/s.eml"
check_grep 'qp: the element is quoted-printable too' '^Subject: caf=3DC3=3DA9 quoted' "$tmp/s.eml"
check_grep 'qp: still quoted-printable' '^Content-Transfer-Encoding: quoted-printable' "$tmp/s.eml"
$sign --protect-headers <"$tmp/b64.eml" >"$tmp/s.eml"
check_grep 'b64: still base64' '^Content-Transfer-Encoding: base64' "$tmp/s.eml"
check_grep 'b64: the element is inside the base64' '^U3ViamVjdDogaW4gYmFzZTY0' "$tmp/s.eml"
$sign --protect-headers <"$tmp/mp.eml" >"$tmp/s.eml"
facts "$tmp/s.eml" >"$tmp/f"
check_grep 'mp: html has none' '^part[0-9]+=text/html lde=None' "$tmp/f"
check_grep 'mp: the attachment has none' '^part[0-9]+=text/plain lde=None first=attached$' "$tmp/f"

# 4. smime-encrypt --protect-headers, unsigned.
for p in hcp_baseline hcp_shy hcp_no_confidentiality; do
	ok "encrypt $p" "$enc --protect-headers=$p <\"$tmp/plain.eml\" >\"$tmp/e.eml\""
	ok "encrypt $p: openssl decrypts" 'ossldecrypt "$tmp/e.eml" "$tmp/d.eml"'
	facts "$tmp/e.eml" "$tmp/d.eml" >"$tmp/f"
	check_grep "encrypt $p: hp=cipher" '^hp=cipher$' "$tmp/f"
	check_grep "encrypt $p: Subject inside" '^in.Subject=the Jones contract$' "$tmp/f"
	check_nogrep "encrypt $p: Bcc neither inside nor out" '^(in|out).Bcc=' "$tmp/f"
	case $p in
	hcp_no_confidentiality)
		check_grep "encrypt $p: Subject outside" '^out.Subject=the Jones contract$' "$tmp/f"
		check_nogrep "encrypt $p: no LDE" 'lde=1' "$tmp/f" ;;
	*)
		check_grep "encrypt $p: Subject: [...] outside" '^out.Subject=\[\.\.\.\]$' "$tmp/f"
		check_grep "encrypt $p: LDE" '^part0=text/plain lde=1' "$tmp/f" ;;
	esac
done
$enc --protect-headers=hcp_shy <"$tmp/plain.eml" >"$tmp/e.eml"
facts "$tmp/e.eml" >"$tmp/f"
check_grep 'encrypt hcp_shy: From outside, address only' '^out.From=<alice@example.com>$' "$tmp/f"
ok 'encrypt mp, baseline' "$enc --protect-headers <\"$tmp/mp.eml\" >\"$tmp/e.eml\""
ossldecrypt "$tmp/e.eml" "$tmp/d.eml"
facts "$tmp/e.eml" "$tmp/d.eml" >"$tmp/f"
check_grep 'encrypt mp: base64 text part has the LDE' '^part[0-9]+=text/plain lde=1 first=Subject: in parts$' "$tmp/f"
check_grep 'encrypt mp: its text kept' '^part[0-9]+\.text=kept$' "$tmp/f"
ok 'encrypt --no-legacy-display' "$enc --protect-headers --no-legacy-display <\"$tmp/plain.eml\" >\"$tmp/e.eml\""
ossldecrypt "$tmp/e.eml" "$tmp/d.eml"
facts "$tmp/e.eml" "$tmp/d.eml" >"$tmp/f"
check_nogrep 'encrypt --no-legacy-display: none' 'lde=1' "$tmp/f"
ok 'encrypt, no option' "$enc <\"$tmp/plain.eml\" >\"$tmp/e.eml\""
ossldecrypt "$tmp/e.eml" "$tmp/d.eml"
facts "$tmp/e.eml" "$tmp/d.eml" >"$tmp/f"
check_grep 'encrypt, no option: no hp (as before)' '^hp=None$' "$tmp/f"

# 5. Sign then encrypt.
for m in plain plain-crlf; do
	ok "$m: sign then encrypt, baseline" \
	    "$sign --protect-headers <\"$tmp/$m.eml\" | $enc --protect-headers >\"$tmp/e.eml\""
	ok "$m: openssl decrypts" 'ossldecrypt "$tmp/e.eml" "$tmp/d.eml"'
	ok "$m: openssl verifies what it decrypted" 'osslverify "$tmp/d.eml" "$tmp/v.eml"'
	facts "$tmp/e.eml" "$tmp/d.eml" >"$tmp/f"
	check_grep "$m: Subject: [...] outside" '^out.Subject=\[\.\.\.\]$' "$tmp/f"
	check_grep "$m: signed payload hp=cipher, the real Subject" '^in.Subject=the Jones contract$' "$tmp/f"
	check_grep "$m: LDE inside the signature" '^part0=text/plain lde=1' "$tmp/f"
done

# 6. Refusals: 65, one line on stderr, nothing on stdout.
refused() {	# refused DESC CMD WORDS
	expect_code "$1: 65" 65 "$2"
	check_eq "$1: nothing on stdout" "$(wc -c <"$tmp/.out")" 0
	check_eq "$1: one line on stderr" "$(wc -l <"$tmp/.err")" 1
	grep -q -- "$3" "$tmp/.err"
	_report $? "$1: says why" "$(cat "$tmp/.err")"
}
printf 'From: a@example.com\nTo: b@example.com\nSubject: s\nTO : c@example.com\n\nhi\n' >"$tmp/dup.eml"
refused 'sign: To twice' "$sign <\"$tmp/dup.eml\"" 'ambiguous header: To given twice; not signed'
printf 'From: a@example.com\nsubject: s\nSUBJECT: t\nTo: b@example.com\n\nhi\n' >"$tmp/dup2.eml"
refused 'sign: Subject twice, two spellings' "$sign <\"$tmp/dup2.eml\"" 'Subject given twice'
refused 'encrypt --protect-headers: To twice' "$enc --protect-headers <\"$tmp/dup.eml\"" \
    'ambiguous header: To given twice; not encrypted'
ok 'encrypt without --protect-headers takes it' "$enc <\"$tmp/dup.eml\" >/dev/null"
ok 'the fuzz input with To twice is in fuzz-regress' 'test -f "$testdir/fuzz-regress/sign-duplicate-to.eml"'
printf 'From: a@example.com\nTo: b@example.com\nContent-Type: text/plain; hp="clear"\n\nhi\n' >"$tmp/hp.eml"
refused 'sign: hp= already on the Content-Type' "$sign <\"$tmp/hp.eml\"" 'already carries hp='
$sign <"$tmp/plain.eml" >"$tmp/s.eml"
refused 'encrypt --protect-headers: signed payload hp=clear' \
    "$enc --protect-headers <\"$tmp/s.eml\"" 'not hp="cipher"'
$sign --opaque --protect-headers <"$tmp/plain.eml" >"$tmp/s.eml"
refused 'encrypt --protect-headers: opaque signed' \
    "$enc --protect-headers <\"$tmp/s.eml\"" 'opaque'
$sign <"$tmp/plain.eml" >"$tmp/s.eml"
ok 'encrypt without --protect-headers: signed hp=clear passes' "$enc <\"$tmp/s.eml\" >\"$tmp/e.eml\""
facts "$tmp/e.eml" >"$tmp/f"
check_grep 'and its outside is the signer'"'"'s' '^out.Subject=the Jones contract$' "$tmp/f"

# 7. smime-sendmail: the site's policy, confidential replies.
S="-S $tmp/store"
helpdesk_store "$tmp/store"
send=$testdir/../scripts/smime-sendmail
sent=$tmp/sent
fake_sendmail "$sent"
export SENDMAIL="$tmp/fake-sendmail"
unset SMIME_SENDMAIL_HCP
sm() { rm -rf "$sent"; "$send" $S --passin file:"$tmp/pass" "$@"; }
outsubj() { hdr "$sent/msg" | sed -n 's/^Subject: //p'; }
sentdec() {
	openssl cms -decrypt -inkey "$tmp/bob.key" -recip "$pki/bob.pem" \
	    -in "$sent/msg" -out "$tmp/sd.eml" &&
	    openssl cms -verify -noverify -in "$tmp/sd.eml" -out /dev/null 2>/dev/null &&
	    facts "$sent/msg" "$tmp/sd.eml" >"$tmp/f"
}
reply() {	# reply EXTRA-FIELD: a reply to alice with EXTRA-FIELD
	printf 'From: Help Desk <help@example.org>\nTo: bob@example.com\nSubject: Re: the Jones contract\nMessage-ID: <r1@example.org>\n%s\n\nDone.\n' "$1"
}
reply 'X-Note: first' >"$tmp/r.eml"
ok 'sendmail: a plain reply is sent' 'sm <"$tmp/r.eml"'
check_eq 'sendmail default hcp_no_confidentiality: Subject outside' "$(outsubj)" 'Re: the Jones contract'
ok 'sendmail: bob decrypts, the signature holds' sentdec
check_grep 'sendmail: the payload is always hp=cipher' '^hp=cipher$' "$tmp/f"
reply 'SMIME-Decrypt: mx.example.org; result=pass hp=cipher' >"$tmp/r.eml"
ok 'sendmail: a reply to an hp=cipher message is sent' 'sm <"$tmp/r.eml"'
check_eq 'sendmail: ... with Subject: [...] outside' "$(outsubj)" '[...]'
ok 'sendmail: ... and decrypts' sentdec
check_grep 'sendmail: ... the real Subject inside' '^in.Subject=Re: the Jones contract$' "$tmp/f"
printf '<other@example.com>\n1@example.com\n' >"$tmp/ids"
reply 'In-Reply-To: <1@example.com>' >"$tmp/r.eml"
ok 'sendmail: In-Reply-To in --confidential-ids' 'sm --confidential-ids "$tmp/ids" <"$tmp/r.eml"'
check_eq 'sendmail: ... protected' "$(outsubj)" '[...]'
reply 'References: <a@example.com>
 <other@example.com>' >"$tmp/r.eml"
ok 'sendmail: References in --confidential-ids' 'sm --confidential-ids="$tmp/ids" <"$tmp/r.eml"'
check_eq 'sendmail: ... protected' "$(outsubj)" '[...]'
reply 'In-Reply-To: <2@example.com>' >"$tmp/r.eml"
ok 'sendmail: a reply to another message' 'sm --confidential-ids "$tmp/ids" <"$tmp/r.eml"'
check_eq 'sendmail: ... not protected' "$(outsubj)" 'Re: the Jones contract'
reply 'In-Reply-To: <1@example.com>
SMIME-Encrypt: no' >"$tmp/r.eml"
expect_code 'sendmail: a confidential reply marked SMIME-Encrypt: no: 65' 65 \
    'sm --confidential-ids "$tmp/ids" <"$tmp/r.eml"'
ok 'sendmail: ... nothing sent' 'test ! -e "$sent"'
reply 'In-Reply-To: <2@example.com>
SMIME-Encrypt: no' >"$tmp/r.eml"
ok 'sendmail: another reply marked SMIME-Encrypt: no is sent' 'sm --confidential-ids "$tmp/ids" <"$tmp/r.eml"'
reply 'X-Note: site' >"$tmp/r.eml"
ok 'sendmail: $SMIME_SENDMAIL_HCP=hcp_baseline' 'SMIME_SENDMAIL_HCP=hcp_baseline sm <"$tmp/r.eml"'
check_eq 'sendmail: ... Subject: [...]' "$(outsubj)" '[...]'
ok 'sendmail: --protect-headers hcp_shy' 'sm --protect-headers hcp_shy <"$tmp/r.eml"'
check_grep 'sendmail: ... From without display name' '^From: <help@example.org>' "$sent/msg"
expect_code 'sendmail: a bad policy: 64' 64 'sm --protect-headers hcp_none <"$tmp/r.eml"'
done_testing
