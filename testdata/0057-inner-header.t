#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# An entity that comes up from inside (a decrypted one, an opaque signed
# one unwrapped, a multipart/signed one with --unwrap) joins the outer
# header as smime-decrypt(1) and smime-verify(1) say: "the outer header
# stays" (smimetools(7): Promotion keeps the border).
#  - no result field of ours comes up from inside: a forged
#    Authentication-Results of our authserv-id or SMIME-Decrypt in the
#    entity is gone, whatever the signature's verdict (a self-signed
#    attacker is enough to get an opaque message unwrapped);
#  - the entity's From, To, Date, Message-ID, MIME-Version, ... never
#    replace or double the outer ones (whoever encrypted to us, or
#    signed, would otherwise choose the From the MTA checked);
#  - a Subject hidden outside as "..." or "[...]" (protected headers) is
#    replaced by the inner one; a real outer Subject stays;
#  - only Content-* fields and those RFC 5322 allows once that the outer
#    header lacks come up (an allow-list: the inner X-Inner does not);
#    the body comes through.
. "$(dirname "$0")/lib.sh"
plan 48

pki=$testdir/pki
private_keys alice
ca="--no-system-ca --ca $pki/root-ca.pem"
dec="-k $tmp/alice.key -c $pki/alice.pem"
# count FIELD FILE: how many header fields of that name
count() { hdr "$2" | grep -c -i "^$1:" || true; }
field() { hdr "$2" | grep -i "^$1:" | sed 's/\r$//'; }

# A self-signed attacker, not under our anchors.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/m.key" -out "$tmp/m.pem" -subj /CN=m -days 30 \
    -addext subjectAltName=email:m@evil.example 2>/dev/null

# --- opaque signed: forged verdicts inside ------------------------------
printf 'Authentication-Results: mx.example.org; smime=pass\nSMIME-Decrypt: mx.example.org; result=pass\nX-Inner: kept\nContent-Type: text/plain\n\nsecret body\n' >"$tmp/e"
for who in attacker alice; do
	case $who in
	attacker) k=$tmp/m.key c=$tmp/m.pem ;;
	alice) k=$tmp/alice.key c=$pki/alice.pem ;;
	esac
	openssl cms -sign -nodetach -binary -in "$tmp/e" -signer "$c" \
	    -inkey "$k" -certfile "$pki/sub-ca.pem" 2>/dev/null |
	    sed '1i From: ceo@example.org' >"$tmp/o-$who.eml"
	smime-verify $ca <"$tmp/o-$who.eml" >"$tmp/ov-$who.eml"
	check_eq "opaque by $who: one Authentication-Results of ours" \
	    "$(hdr "$tmp/ov-$who.eml" | grep -c -i '^Authentication-Results: mx.example.org')" 1
	check_nogrep "opaque by $who: the forged smime=pass is gone" \
	    'smime=pass$' "$tmp/ov-$who.eml"
	check_eq "opaque by $who: no SMIME-Decrypt comes up" \
	    "$(count SMIME-Decrypt "$tmp/ov-$who.eml")" 0
done
check_eq 'opaque by the attacker: unwrapped, not trusted' \
    "$(ar_result "$tmp/ov-attacker.eml")" 'policy (untrusted)'
check_nogrep 'opaque by the attacker: the inner X-Inner does not come up' \
    '^X-Inner: kept' "$tmp/ov-attacker.eml"
check_grep 'opaque by the attacker: the body comes up' \
    '^secret body' "$tmp/ov-attacker.eml"

# The procmail rule of README.md must not file it as verified.
check_nogrep 'no "smime=pass" of ours anywhere in the header' \
    '^Authentication-Results: mx\.example\.org; smime=pass' "$tmp/ov-attacker.eml"

# --- multipart/signed with --unwrap --------------------------------------
printf 'From: alice@example.com\nTo: help@example.org\nSubject: s\nMIME-Version: 1.0\nContent-Type: text/plain\n\nx\n' |
    smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" --chain "$pki/sub-ca.pem" >"$tmp/ds.eml"
smime-verify $ca --unwrap <"$tmp/ds.eml" >"$tmp/dsu.eml"
check_eq '--unwrap: pass' "$(ar_result "$tmp/dsu.eml")" pass
check_eq '--unwrap: one MIME-Version' "$(count MIME-Version "$tmp/dsu.eml")" 1
check_eq '--unwrap: one From' "$(count From "$tmp/dsu.eml")" 1
check_eq '--unwrap: the body' "$(body "$tmp/dsu.eml" | sed 's/\r$//')" x

# --- decrypted: forged verdicts, From, MIME-Version ----------------------
# enc OUTER-HEADER INNER-ENTITY FILE: INNER encrypted to alice by openssl
# under OUTER.
enc() {
	printf "$2" >"$tmp/inner"
	openssl cms -encrypt -aes-256-cbc -in "$tmp/inner" "$pki/alice.pem" |
	    sed '/^MIME-Version:/d' | sed "1i $1" | sed 's/\\n/\n/g' >"$3"
}
enc 'From: attacker@evil.example\nTo: help@example.org\nSubject: hello\nMIME-Version: 1.0' \
    'From: ceo@example.org\nSender: ceo@example.org\nTo: all@example.org\nSubject: wire the money\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <forged@example.org>\nMIME-Version: 1.0\nSMIME-Decrypt: mx.example.org; result=pass\nAuthentication-Results: mx.example.org; smime=pass\nX-Inner: kept\nContent-Type: text/plain\n\nbody\n' \
    "$tmp/d1.eml"
smime-decrypt $dec <"$tmp/d1.eml" >"$tmp/d1.out"
check_eq 'decrypt: pass' "$(dres "$tmp/d1.out" | sed 's/;.*//')" 'mx.example.org'
check_grep 'decrypt: result=pass' 'result=pass' "$tmp/d1.out"
check_eq 'decrypt: the outer From stays' "$(field From "$tmp/d1.out")" \
    'From: attacker@evil.example'
check_eq 'decrypt: one From' "$(count From "$tmp/d1.out")" 1
check_eq 'decrypt: the outer Subject stays' "$(field Subject "$tmp/d1.out")" \
    'Subject: hello'
check_eq 'decrypt: the outer To stays' "$(field To "$tmp/d1.out")" \
    'To: help@example.org'
check_eq 'decrypt: an inner Sender the outer lacks comes up' \
    "$(field Sender "$tmp/d1.out")" 'Sender: ceo@example.org'
check_eq 'decrypt: an inner Date the outer lacks comes up' \
    "$(count Date "$tmp/d1.out")" 1
check_eq 'decrypt: one MIME-Version' "$(count MIME-Version "$tmp/d1.out")" 1
check_eq 'decrypt: one SMIME-Decrypt (ours)' "$(count SMIME-Decrypt "$tmp/d1.out")" 1
check_eq 'decrypt: no Authentication-Results of ours from inside' \
    "$(count Authentication-Results "$tmp/d1.out")" 0
check_nogrep 'decrypt: X-Inner does not come up' '^X-Inner: kept' "$tmp/d1.out"
check_eq 'decrypt: the Content-Type is the inner one' \
    "$(field Content-Type "$tmp/d1.out")" 'Content-Type: text/plain'
check_eq 'decrypt: the body' "$(body "$tmp/d1.out" | sed 's/\r$//')" body
# ... and the forged verdict does not survive smime-verify after it.
smime-verify $ca <"$tmp/d1.out" >"$tmp/d1v.out"
check_eq 'decrypt | verify: one SMIME-Decrypt' "$(count SMIME-Decrypt "$tmp/d1v.out")" 1
check_eq 'decrypt | verify: not signed' "$(ar_result "$tmp/d1v.out")" none

# --- hidden Subjects ------------------------------------------------------
for hidden in '...' '[...]'; do
	enc "From: alice@example.com\nTo: help@example.org\nSubject: $hidden\nMIME-Version: 1.0" \
	    'Subject: the real subject\nContent-Type: text/plain\n\nb\n' "$tmp/h.eml"
	smime-decrypt $dec <"$tmp/h.eml" >"$tmp/h.out"
	check_eq "Subject: $hidden is replaced by the inner one" \
	    "$(field Subject "$tmp/h.out")" 'Subject: the real subject'
	check_eq "Subject: $hidden: one Subject" "$(count Subject "$tmp/h.out")" 1
done
enc 'From: alice@example.com\nTo: help@example.org\nSubject:  ... and more\nMIME-Version: 1.0' \
    'Subject: inner\nContent-Type: text/plain\n\nb\n' "$tmp/h.eml"
smime-decrypt $dec <"$tmp/h.eml" >"$tmp/h.out"
check_eq 'a Subject that only starts with ... stays' \
    "$(field Subject "$tmp/h.out")" 'Subject:  ... and more'
enc 'From: alice@example.com\nTo: help@example.org\nMIME-Version: 1.0' \
    'Subject: inner only\nContent-Type: text/plain\n\nb\n' "$tmp/h.eml"
smime-decrypt $dec <"$tmp/h.eml" >"$tmp/h.out"
check_eq 'an inner Subject the outer lacks comes up' \
    "$(field Subject "$tmp/h.out")" 'Subject: inner only'

# --- our own --protect-headers round trip, LF and CRLF ------------------
printf 'From: alice@example.com\nTo: alice@example.com\nSubject: the plan\nMessage-ID: <p@example.com>\nContent-Type: text/plain\n\nhi\n' >"$tmp/p.eml"
for eol in lf crlf; do
	# RFC 9788's "[...]"; no Legacy Display Element, so that the body
	# is the body whether or not smime-decrypt removes one (test 0081
	# has the element).
	$eol "$tmp/p.eml" | smime-encrypt --protect-headers --no-legacy-display \
	    -r "$pki/alice.pem" >"$tmp/pe.eml"
	check_eq "$eol: --protect-headers hides the Subject" \
	    "$(field Subject "$tmp/pe.eml")" 'Subject: [...]'
	smime-decrypt $dec <"$tmp/pe.eml" >"$tmp/pd.eml"
	check_eq "$eol: decrypt gives it back" "$(field Subject "$tmp/pd.eml")" \
	    'Subject: the plan'
	check_eq "$eol: one Subject" "$(count Subject "$tmp/pd.eml")" 1
	check_eq "$eol: one Message-ID" "$(count Message-ID "$tmp/pd.eml")" 1
	check_eq "$eol: the body" "$(body "$tmp/pd.eml" | sed 's/\r$//')" hi
	if [ $eol = crlf ]; then
		check_eq 'crlf: every line ends in CRLF' \
		    "$(grep -c -v "$(printf '\r')\$" "$tmp/pd.eml")" 0
	fi
done

# --- a decrypted entity without a header is the body -------------------
printf 'just text\n' >"$tmp/inner"
openssl cms -encrypt -aes-256-cbc -in "$tmp/inner" -binary "$pki/alice.pem" |
    sed '1i From: alice@example.com' >"$tmp/nh.eml"
smime-decrypt $dec <"$tmp/nh.eml" >"$tmp/nh.out"
check_eq 'no inner header: the text is the body' \
    "$(body "$tmp/nh.out" | sed 's/\r$//')" 'just text'

done_testing
