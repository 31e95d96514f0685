#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Header protection on receipt (smimetools(7), HEADER PROTECTION): the
# protected user-facing fields of a payload inside a cryptographic layer
# take the outer ones' place; the From a signature is checked against is
# the protected one; an outer field that differs is noted, never shown;
# HP-Outer never reaches the top; the Legacy Display Element leaves what
# no signature covers.  The messages are made by openssl (another
# implementation), and what comes out is read again by Python's email
# package.  The hostile ones: a claim outside any layer, HP-Outer outside,
# an outer From rewritten in transit, a protected From the signer does not
# match, claims readers could take two ways.
. "$(dirname "$0")/lib.sh"
plan 69

pki=$testdir/pki
private_keys alice
ca="--no-system-ca --ca $pki/root-ca.pem"
dec="-k $tmp/alice.key -c $pki/alice.pem"
C=$corpus/protected-headers

# py FILE NAME: how many NAME fields Python's email package sees at the
# top, and the first one's value unfolded: "1 value".
py() {
	python3 -c 'import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
v = m.get_all(sys.argv[2]) or []
print(len(v), " ".join(str(v[0]).split()) if v else "")' "$1" "$2"
}
# count NAME FILE: NAME fields at the top, as grep sees them
count() { hdr "$2" | grep -c -i "^$1:" || true; }
field() { hdr "$2" | grep -i "^$1:" | sed 's/\r$//' | head -1; }

# oenc OUTER ENTITY FILE: ENTITY (printf format) encrypted to alice by
# openssl, under OUTER (printf format, ends with a newline).
oenc() {
	printf "$2" >"$tmp/inner"
	{ printf "$1"
	  openssl cms -encrypt -aes-256-cbc -in "$tmp/inner" "$pki/alice.pem" |
	      sed '/^MIME-Version:/d'; } >"$3"
}
# osign OUTER ENTITY FILE: ENTITY signed opaque by alice with openssl.
osign() {
	printf "$2" >"$tmp/inner"
	{ printf "$1"
	  openssl cms -sign -nodetach -binary -in "$tmp/inner" \
	      -signer "$pki/alice.pem" -inkey "$tmp/alice.key" \
	      -certfile "$pki/sub-ca.pem" | sed '/^MIME-Version:/d'; } >"$3"
}
# odsign OUTER ENTITY FILE: the same, detached (multipart/signed); the
# entity in CRLF, as it is signed.
odsign() {
	printf "$2" | sed 's/$/\r/' >"$tmp/inner"
	{ printf "$1"
	  openssl cms -sign -binary -in "$tmp/inner" \
	      -signer "$pki/alice.pem" -inkey "$tmp/alice.key" \
	      -certfile "$pki/sub-ca.pem" | sed '/^MIME-Version:/d'; } >"$3"
}

# --- decrypt, hp="cipher" with HP-Outer and a Legacy Display Element ----
outer='From: alice@example.com\nTo: help@example.org\nSubject: [...]\nMIME-Version: 1.0\n'
ent='Content-Type: text/plain; charset=us-ascii; hp="cipher";\r\n hp-legacy-display="1"\r\nSubject: Printer on fire\r\nFrom: Alice <alice@example.com>\r\nTo: help@example.org\r\nHP-Outer: Subject: [...]\r\nHP-Outer: From: alice@example.com\r\nHP-Outer: To: help@example.org\r\n\r\nSubject: Printer on fire\r\n\r\nIt is on fire.\r\n'
oenc "$outer" "$ent" "$tmp/c.eml"
smime-decrypt $dec --report "$tmp/rep" <"$tmp/c.eml" >"$tmp/c.out"
check_eq 'cipher: hp=cipher, nothing differs from HP-Outer' \
    "$(hdres "$tmp/c.out" | sed 's/.*; //')" 'hp=cipher'
check_eq 'cipher: the protected Subject at the top' \
    "$(py "$tmp/c.out" Subject)" '1 Printer on fire'
check_eq 'cipher: the protected From (display name and all)' \
    "$(py "$tmp/c.out" From)" '1 Alice <alice@example.com>'
check_eq 'cipher: the To that said the same stays, once' \
    "$(count To "$tmp/c.out")" 1
check_eq 'cipher: no HP-Outer at the top' "$(py "$tmp/c.out" HP-Outer)" '0 '
check_eq 'cipher: the Legacy Display Element is gone' \
    "$(body "$tmp/c.out" | tr -d '\r')" 'It is on fire.'
check_grep 'cipher: --report says hp' '"result":"pass".*"hp":"cipher"' "$tmp/rep"

# The same in LF, outside and inside.
oenc "$outer" "$(printf "$ent" | tr -d '\r' | sed 's/%/%%/g')" "$tmp/clf.eml"
smime-decrypt $dec <"$tmp/clf.eml" >"$tmp/clf.out"
check_eq 'cipher, LF: the protected Subject' \
    "$(py "$tmp/clf.out" Subject)" '1 Printer on fire'
check_eq 'cipher, LF: the LDE is gone' "$(body "$tmp/clf.out" | tr -d '\r')" \
    'It is on fire.'
# CRLF outside: our fields and the promoted ones in CRLF.
crlf "$tmp/c.eml" >"$tmp/ccr.eml"
smime-decrypt $dec <"$tmp/ccr.eml" >"$tmp/ccr.out"
check_eq 'cipher, CRLF: every header line ends in CRLF' \
    "$(hdr "$tmp/ccr.out" | grep -vc "$(printf '\r')\$")" 0
check_eq 'cipher, CRLF: the protected Subject' \
    "$(py "$tmp/ccr.out" Subject)" '1 Printer on fire'

# --- an outer From rewritten in transit ----------------------------------
oenc 'From: mallory@evil.example\nTo: help@example.org\nSubject: [...]\nMIME-Version: 1.0\n' \
    "$ent" "$tmp/rw.eml"
smime-decrypt $dec <"$tmp/rw.eml" >"$tmp/rw.out"
check_eq 'rewritten From: noted' "$(hdres "$tmp/rw.out" | sed 's/.*; //')" \
    'hp=cipher (outer From differs from the protected header)'
check_eq 'rewritten From: the protected From is shown, once' \
    "$(py "$tmp/rw.out" From)" '1 Alice <alice@example.com>'
check_nogrep 'rewritten From: the outer one is nowhere at the top' \
    'mallory' "$tmp/rw.out"

# --- HP-Outer outside, and claims outside any layer ----------------------
printf 'From: alice@example.com\nTo: help@example.org\nSubject: hi\nHP-Outer: Subject: [...]\nhp-outer : From: ceo@example.org\nMIME-Version: 1.0\nContent-Type: text/plain; hp="cipher"\n\nSubject: forged\n\nbody\n' >"$tmp/ho.eml"
smime-decrypt $dec <"$tmp/ho.eml" >"$tmp/ho.d"
smime-verify $ca <"$tmp/ho.eml" >"$tmp/ho.v"
for t in d v; do
	check_eq "HP-Outer outside, smime-$( [ $t = d ] && echo decrypt || echo verify): removed in both spellings" \
	    "$(hdr "$tmp/ho.$t" | grep -ic '^hp-outer')" 0
done
check_eq 'hp= on the top of a plain message: nothing promoted (decrypt)' \
    "$(undres "$tmp/ho.d" | grep -v -i '^hp-outer')" \
    "$(grep -v -i '^hp-outer' "$tmp/ho.eml")"
check_eq 'hp= on the top of a plain message: result none' \
    "$(ar_result "$tmp/ho.v")" none
printf 'From: alice@example.com\nSubject: real\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; hp="clear"\nSubject: forged\nFrom: ceo@example.org\n\nx\n--b--\n' >"$tmp/hp-part.eml"
smime-decrypt $dec <"$tmp/hp-part.eml" >"$tmp/hp-part.d"
check_same 'hp= on a part outside any layer: decrypt passes it through' \
    "$tmp/hp-part.eml" "$(undres "$tmp/hp-part.d" >"$tmp/hp-part.u"; echo "$tmp/hp-part.u")"
# Encrypted, but the claim is on a subpart of an unlabelled payload.
oenc 'From: alice@example.com\nTo: help@example.org\nSubject: real\nMIME-Version: 1.0\n' \
    'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; hp="cipher"\r\nSubject: forged\r\n\r\nx\r\n--b--\r\n' "$tmp/sub.eml"
smime-decrypt $dec <"$tmp/sub.eml" >"$tmp/sub.out"
check_eq 'a claim on a subpart of the payload: hp=none' \
    "$(hdres "$tmp/sub.out" | sed 's/.*; //')" 'hp=none'
check_eq 'a claim on a subpart of the payload: the outer Subject stays' \
    "$(py "$tmp/sub.out" Subject)" '1 real'

# --- smime-verify: hp="clear", opaque and detached -----------------------
sent='Content-Type: text/plain; hp="clear"\nFrom: alice@example.com\nTo: help@example.org\nSubject: Printer on fire\nDate: Mon, 7 Dec 2026 10:00:00 +0000\n\nIt is on fire.\n'
osign 'From: alice@example.com\nTo: help@example.org\nSubject: Printer on fire\nDate: Mon, 7 Dec 2026 10:00:00 +0000\nMIME-Version: 1.0\n' \
    "$sent" "$tmp/o.eml"
smime-verify $ca --report "$tmp/vrep" <"$tmp/o.eml" >"$tmp/o.out"
check_eq 'clear, opaque, outside the same: pass, no note' \
    "$(ar_result "$tmp/o.out")" pass
check_eq 'clear, opaque: one Subject' "$(py "$tmp/o.out" Subject)" \
    '1 Printer on fire'
check_grep 'clear, opaque: --report says hp=clear' '"hp":"clear"' "$tmp/vrep"

# The outer From and Subject changed in transit; the signer signed hers.
osign 'From: ceo@example.org\nTo: help@example.org\nSubject: Wire the money\nMIME-Version: 1.0\n' \
    "$sent" "$tmp/ot.eml"
smime-verify $ca <"$tmp/ot.eml" >"$tmp/ot.out"
check_eq 'clear, outer From and Subject rewritten: pass, both noted' \
    "$(ar_result "$tmp/ot.out")" \
    'pass (outer Subject, From differ from the protected header, hp=clear)'
check_eq 'clear, rewritten: the signed From is shown' \
    "$(py "$tmp/ot.out" From)" '1 alice@example.com'
check_eq 'clear, rewritten: the signed Subject is shown' \
    "$(py "$tmp/ot.out" Subject)" '1 Printer on fire'
check_nogrep 'clear, rewritten: the outer values are gone' \
    'ceo@|Wire the money' "$tmp/ot.out"
check_eq 'clear, the protected Date comes up too' "$(py "$tmp/ot.out" Date)" \
    '1 Mon, 7 Dec 2026 10:00:00 +0000'
# -q writes nothing, so promotes nothing: the outer From must match.
expect_code '-q: the outer From is the one a reader would see: 1' 1 \
    "smime-verify $ca -q <'$tmp/ot.eml'"
ok '-q: the same message with its own From: 0' \
    "smime-verify $ca -q <'$tmp/o.eml'"

# A protected From the signer does not match.
osign 'From: alice@example.com\nTo: help@example.org\nSubject: x\nMIME-Version: 1.0\n' \
    'Content-Type: text/plain; hp="clear"\nFrom: ceo@example.org\nSubject: x\n\nbody\n' "$tmp/pf.eml"
smime-verify $ca <"$tmp/pf.eml" >"$tmp/pf.out"
check_eq 'a protected From the signer lacks: policy' \
    "$(ar_result "$tmp/pf.out")" 'policy (address mismatch)'
check_eq 'a protected From the signer lacks: not promoted' \
    "$(py "$tmp/pf.out" From)" '1 alice@example.com'
check_nogrep 'a protected From the signer lacks: never at the top' \
    '^From: ceo@' "$tmp/pf.out"

# Claims readers could take two ways.
osign 'From: alice@example.com\nSubject: x\nMIME-Version: 1.0\n' \
    'Content-Type: text/plain; hp="clear"\nFrom: alice@example.com\nSubject: one\nSubject: two\n\nbody\n' "$tmp/two.eml"
smime-verify $ca <"$tmp/two.eml" >"$tmp/two.out"
check_eq 'a protected Subject twice: permerror' "$(ar_result "$tmp/two.out")" \
    'permerror (ambiguous protected header: protected Subject given twice)'
check_eq 'a protected Subject twice: nothing promoted' \
    "$(py "$tmp/two.out" Subject)" '1 x'
osign 'From: alice@example.com\nSubject: x\nMIME-Version: 1.0\n' \
    'Content-Type: text/plain; hp="clear"; protected-headers="v1"\nFrom: alice@example.com\nSubject: one\n\nbody\n' "$tmp/lab.eml"
check_eq 'hp beside protected-headers: permerror' \
    "$(smime-verify $ca <"$tmp/lab.eml" | ar_result /dev/stdin)" \
    'permerror (ambiguous protected header: hp beside protected-headers)'
oenc 'From: alice@example.com\nSubject: x\nMIME-Version: 1.0\n' \
    'Content-Type: text/plain; hp="cipher"\r\nSubject: one\r\nsubject: two\r\n\r\nbody\r\n' "$tmp/twoe.eml"
smime-decrypt $dec <"$tmp/twoe.eml" >"$tmp/twoe.out"
check_eq 'decrypt, a protected Subject twice: hp=none, said why' \
    "$(hdres "$tmp/twoe.out" | sed 's/.*; //')" \
    'hp=none (header protection not used: protected Subject given twice)'
check_eq 'decrypt, a protected Subject twice: the outer Subject stays' \
    "$(py "$tmp/twoe.out" Subject)" '1 x'

# Detached: passed through signed, the protected fields at the top.
odsign 'From: alice@example.com\nTo: help@example.org\nSubject: [...]\nMIME-Version: 1.0\n' \
    'Content-Type: text/plain; hp="clear"; hp-legacy-display="1"\nFrom: alice@example.com\nTo: help@example.org\nSubject: Printer on fire\n\nSubject: Printer on fire\n\nIt is on fire.\n' "$tmp/d.eml"
smime-verify $ca <"$tmp/d.eml" >"$tmp/d.out"
check_eq 'detached: pass, the outer Subject noted' "$(ar_result "$tmp/d.out")" \
    'pass (outer Subject differs from the protected header, hp=clear)'
check_eq 'detached: the protected Subject at the top' \
    "$(py "$tmp/d.out" Subject)" '1 Printer on fire'
check_grep 'detached: the LDE stays inside the signed part' \
    '^Subject: Printer on fire.$' "$(body "$tmp/d.out" >"$tmp/d.body"; echo "$tmp/d.body")"
smime-verify $ca <"$tmp/d.out" >"$tmp/d2.out"
check_eq 'detached: what we deliver still verifies, with nothing to note' \
    "$(ar_result "$tmp/d2.out")" pass
ok 'detached: openssl cms -verify still accepts what we deliver' \
    "openssl cms -verify -CAfile '$pki/root-ca.pem' -in '$tmp/d.out' -out /dev/null"
smime-verify $ca --unwrap <"$tmp/d.eml" >"$tmp/du.out"
check_eq '--unwrap: the LDE is gone' "$(body "$tmp/du.out" | tr -d '\r')" \
    'It is on fire.'
check_eq '--unwrap: one Subject, the protected one' \
    "$(py "$tmp/du.out" Subject)" '1 Printer on fire'
smime-verify $ca <"$tmp/o.eml" >/dev/null
osign 'From: alice@example.com\nSubject: [...]\nMIME-Version: 1.0\n' \
    'Content-Type: text/plain; hp="cipher"; hp-legacy-display="1"\nFrom: alice@example.com\nSubject: Printer on fire\n\nSubject: Printer on fire\n\nIt is on fire.\n' "$tmp/ol.eml"
smime-verify $ca <"$tmp/ol.eml" >"$tmp/ol.out"
check_eq 'opaque, unwrapped: the LDE is gone' \
    "$(body "$tmp/ol.out" | tr -d '\r')" 'It is on fire.'

# --- wrapped message/rfc822 (RFC 8551 3.1) -------------------------------
osign 'From: ceo@example.org\nTo: help@example.org\nSubject: Wire the money\nMIME-Version: 1.0\n' \
    'Content-Type: message/rfc822\n\nFrom: alice@example.com\nTo: help@example.org\nSubject: Lunch?\n\nNoon?\n' "$tmp/w.eml"
smime-verify $ca <"$tmp/w.eml" >"$tmp/w.out"
check_eq 'wrapped, outer From of another: pass, the outer noted' \
    "$(ar_result "$tmp/w.out")" \
    'pass (outer Subject, From differ from the protected header, hp=wrapped)'
check_eq 'wrapped: the signer'"'"'s From is shown' "$(py "$tmp/w.out" From)" \
    '1 alice@example.com'
check_nogrep 'wrapped: the outer From is gone' '^From: ceo@' "$tmp/w.out"
osign 'From: alice@example.com\nMIME-Version: 1.0\n' \
    'Content-Type: message/rfc822\n\nFrom: ceo@example.org\nSubject: Wire the money\n\nNow.\n' "$tmp/w2.eml"
check_eq 'wrapped, inner From the signer lacks: policy' \
    "$(smime-verify $ca <"$tmp/w2.eml" | ar_result /dev/stdin)" \
    'policy (address mismatch)'

# A label beside a wrapped message: two headers, readers differ on which
# is the message's.  Neither the label's nor the outer From may be shown
# with a pass.
osign 'From: ceo@example.org\nTo: help@example.org\nSubject: urgent\nMIME-Version: 1.0\n' \
    'Content-Type: message/rfc822; protected-headers="v1"\r\nSubject: hello\r\n\r\nFrom: alice@example.com\r\nSubject: inner\r\n\r\nPay the invoice.\r\n' "$tmp/wl1.eml"
check_eq 'v1 label on a wrapped message: permerror' \
    "$(smime-verify $ca <"$tmp/wl1.eml" | ar_result /dev/stdin)" \
    'permerror (ambiguous protected header: a label on a wrapped message)'
osign 'From: alice@example.com\nTo: help@example.org\nSubject: x\nMIME-Version: 1.0\n' \
    'Content-Type: message/rfc822; hp="clear"\r\nFrom: alice@example.com\r\n\r\nFrom: ceo@example.org\r\nSubject: Pay now\r\n\r\nNow.\r\n' "$tmp/wl2.eml"
check_eq 'hp label on a wrapped message: permerror' \
    "$(smime-verify $ca <"$tmp/wl2.eml" | ar_result /dev/stdin)" \
    'permerror (ambiguous protected header: a label on a wrapped message)'
osign 'From: alice@example.com\nSubject: x\nMIME-Version: 1.0\n' \
    'Content-Type: text/plain; hp="Clear"\nFrom: ceo@example.org\nSubject: x\n\nbody\n' "$tmp/case.eml"
check_eq 'hp="Clear": readers may differ, permerror' \
    "$(smime-verify $ca <"$tmp/case.eml" | ar_result /dev/stdin)" \
    'permerror (ambiguous protected header: its label is spelt two ways)'
expect_code 'smime-sign --protect-headers of a wrapped message: 65' 65 \
    "printf 'From: alice@example.com\nContent-Type: message/rfc822\n\nFrom: alice@example.com\n\nx\n' |
     smime-sign -k '$tmp/alice.key' -c '$pki/alice.pem' --protect-headers"
expect_code 'smime-encrypt --protect-headers of a wrapped message: 65' 65 \
    "printf 'From: alice@example.com\nTo: alice@example.com\nContent-Type: message/rfc822\n\nFrom: alice@example.com\n\nx\n' |
     smime-encrypt -r '$pki/alice.pem' --protect-headers"

# --- sign then encrypt: the signed part's claim --------------------------
printf 'Content-Type: text/plain; hp="cipher"; hp-legacy-display="1"\r\nFrom: alice@example.com\r\nTo: help@example.org\r\nSubject: Printer on fire\r\nHP-Outer: From: alice@example.com\r\nHP-Outer: To: help@example.org\r\nHP-Outer: Subject: [...]\r\n\r\nSubject: Printer on fire\r\n\r\nIt is on fire.\r\n' >"$tmp/se-in"
openssl cms -sign -binary -in "$tmp/se-in" -signer "$pki/alice.pem" \
    -inkey "$tmp/alice.key" -certfile "$pki/sub-ca.pem" >"$tmp/se-signed"
{ printf 'From: alice@example.com\nTo: help@example.org\nSubject: [...]\n'
  openssl cms -encrypt -aes-256-gcm -in "$tmp/se-signed" "$pki/alice.pem"; } >"$tmp/se.eml"
smime-decrypt $dec <"$tmp/se.eml" >"$tmp/se.d"
check_eq 'sign+encrypt: decrypt reads the signed part'"'"'s claim' \
    "$(hdres "$tmp/se.d" | sed 's/.*; //')" 'hp=cipher'
check_eq 'sign+encrypt: decrypt shows the protected Subject' \
    "$(py "$tmp/se.d" Subject)" '1 Printer on fire'
smime-verify $ca <"$tmp/se.d" >"$tmp/se.v"
check_eq 'sign+encrypt, then verify: pass, nothing to note' \
    "$(ar_result "$tmp/se.v")" pass
check_eq 'sign+encrypt, then verify: one Subject' "$(count Subject "$tmp/se.v")" 1
smime-verify $ca --unwrap <"$tmp/se.d" >"$tmp/se.u"
check_eq 'sign+encrypt, then verify --unwrap: the LDE is gone' \
    "$(body "$tmp/se.u" | tr -d '\r')" 'It is on fire.'

# --- the corpus (draft protected-headers, "v1") --------------------------
sed '/^-----/d' "$C/bob.p12" | base64 -d >"$tmp/bob.p12"
openssl pkcs12 -in "$tmp/bob.p12" -passin pass:bob -nodes -out "$tmp/bob.pem" 2>/dev/null
chmod 600 "$tmp/bob.pem"
cca="--no-system-ca --ca $C/sample-ca.pem"
smime-decrypt --allow-legacy -k "$tmp/bob.pem" -c "$tmp/bob.pem" \
    <"$C/smime-enc+legacy-disp.eml" >"$tmp/k1.out"
check_eq 'corpus enc+legacy-disp: hp=v1, the "..." Subject noted' \
    "$(hdres "$tmp/k1.out" | sed 's/.*; //')" \
    'hp=v1 (outer Subject differs from the protected header)'
check_eq 'corpus enc+legacy-disp: the real Subject' \
    "$(py "$tmp/k1.out" Subject)" "1 BarCorp contract signed, let's go!"
check_eq 'corpus enc+legacy-disp: the legacy display part is gone' \
    "$(python3 -c 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print([p.get_content_type() for p in m.get_payload()])' "$tmp/k1.out")" \
    "['text/plain']"
for m in smime-sign+enc smime-sign+enc+legacy-disp; do
	smime-decrypt --allow-legacy -k "$tmp/bob.pem" -c "$tmp/bob.pem" \
	    <"$C/$m.eml" | smime-verify $cca >"$tmp/k2.out"
	check_eq "corpus $m: decrypt | verify passes, the Subject noted" \
	    "$(ar_result "$tmp/k2.out")" \
	    'pass (outer Subject differs from the protected header, hp=v1)'
	check_eq "corpus $m: the real Subject, once" \
	    "$(py "$tmp/k2.out" Subject)" "1 BarCorp contract signed, let's go!"
done
smime-verify $cca <"$C/smime-multipart-signed.eml" >"$tmp/k3.out"
check_eq 'corpus multipart-signed, outside the same: pass, byte-exact' \
    "$(sed 1,4d "$tmp/k3.out" | cmp - "$C/smime-multipart-signed.eml" && echo same)" same

done_testing
