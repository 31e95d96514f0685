#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Promotion keeps the border: what comes up to the top from a decrypted
# entity (smime-decrypt), an opaque signed one (smime-verify) and a
# multipart/signed one unwrapped (smime-verify --unwrap) is an allow-list
# of what the entity's author may say: its Content-* fields, and the first
# of each field RFC 5322 allows once that the outer header lacks.  The
# entity (attacks/border/promote-inner.eml) is written by someone holding
# a certificate the site trusts (alice) or by anyone who can encrypt to
# us, and brings trace fields (Received in three spellings, Return-Path),
# result fields (ours and another authserv-id's Authentication-Results,
# DKIM-Signature, ARC-*, SMIME-Decrypt), our control field SMIME-Encrypt,
# an X- field, and fields hidden after a bare CR, where a reader that ends
# lines there (Python's email package) sees another field.  None of them
# may be at the top afterwards, as our reader or Python's sees it.
. "$(dirname "$0")/lib.sh"
plan 49

pki=$testdir/pki
inner=$testdir/attacks/border/promote-inner.eml
private_keys alice
ca="--no-system-ca --ca $pki/root-ca.pem"
outer='From: alice@example.com\nTo: help@example.org\nMIME-Version: 1.0\n'

# seen NAME FILE: how many fields of that name the header has, for a
# reader that also ends lines at a bare CR and takes white space before
# the colon (RFC 5322 obs-optional), in any case.
seen() {
	hdr "$2" | sed 's/\r$//' | tr '\r' '\n' | sed '/^$/q' |
	    grep -c -i -E "^$1[ 	]*:" || true
}
# pyseen FILE: the field names Python's email parser finds at the top,
# lower case, one a line.
pyseen() {
	python3 -c 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print("\n".join(k.lower() for k in m.keys()))' "$1"
}

# The header and body, line ends as LF.
h() { hdr "$1" | sed 's/\r$//'; }
b() { body "$1" | sed 's/\r$//'; }

# The three ways up.  A signed entity whose header has a bare CR has two
# readings and is never pass, so it is never unwrapped (below): the
# signed ones are the entity without its two bare-CR fields.
openssl cms -encrypt -aes-256-cbc -binary -in "$inner" "$pki/alice.pem" |
    sed '/^MIME-Version:/d' | { printf "$outer"; cat; } >"$tmp/enc.eml"
grep -v "$(printf '\r')" "$inner" >"$tmp/inner-lf"
signed() {
	openssl cms -sign -nodetach -binary -in "$1" -signer "$pki/alice.pem" \
	    -inkey "$tmp/alice.key" -certfile "$pki/sub-ca.pem" |
	    sed '/^MIME-Version:/d' | { printf "$outer"; cat; }
}
signed "$tmp/inner-lf" >"$tmp/opq.eml"
signed "$inner" >"$tmp/opq-cr.eml"
smime-verify $ca <"$tmp/opq-cr.eml" >"$tmp/opq-cr.out"
check_eq 'opaque, bare CRs in the signed header: permerror' \
    "$(ar_result "$tmp/opq-cr.out")" \
    'permerror (ambiguous MIME structure: a bare CR in a header field)'
check_eq 'opaque, bare CRs in the signed header: still wrapped' \
    "$(seen Content-Type "$tmp/opq-cr.out"):$(h "$tmp/opq-cr.out" | grep -c -i '^Content-Type: application/pkcs7-mime')" 1:1
# A multipart/signed entity is signed in CRLF (RFC 8551 3.1.1).
sed 's/$/\r/' "$tmp/inner-lf" >"$tmp/inner-crlf"
openssl cms -sign -binary -in "$tmp/inner-crlf" -signer "$pki/alice.pem" \
    -inkey "$tmp/alice.key" -certfile "$pki/sub-ca.pem" |
    sed '/^MIME-Version:/d' | { printf "$outer"; cat; } >"$tmp/mps.eml"

expect_code 'decrypt: exit 0' 0 \
    'smime-decrypt -k "$tmp/alice.key" -c "$pki/alice.pem" <"$tmp/enc.eml" >"$tmp/dec.out"'
expect_code 'opaque: exit 0' 0 'smime-verify $ca <"$tmp/opq.eml" >"$tmp/opq.out"'
expect_code 'multipart/signed --unwrap: exit 0' 0 \
    'smime-verify $ca --unwrap <"$tmp/mps.eml" >"$tmp/mps.out"'
check_eq 'opaque: pass (a signer the site trusts)' "$(ar_result "$tmp/opq.out")" pass
check_eq '--unwrap: pass' "$(ar_result "$tmp/mps.out")" pass

for way in dec opq mps; do
	o=$tmp/$way.out
	check_eq "$way: no Received, in any spelling" "$(seen Received "$o")" 0
	check_eq "$way: no Return-Path" "$(seen Return-Path "$o")" 0
	check_eq "$way: no DKIM-Signature, no ARC-*" \
	    "$(seen '(DKIM-Signature|ARC-[A-Za-z-]*)' "$o")" 0
	check_eq "$way: no SMIME-Encrypt" "$(seen SMIME-Encrypt "$o")" 0
	check_eq "$way: no X-Spam-Status, X-Hidden" \
	    "$(seen 'X-[A-Za-z-]*' "$o")" 0
	case $way in
	dec) ar=0 sd=1 ;;
	*) ar=1 sd=0 ;;
	esac
	check_eq "$way: only our own Authentication-Results ($ar)" \
	    "$(seen Authentication-Results "$o")" $ar
	check_eq "$way: only our own SMIME-Decrypt ($sd)" \
	    "$(seen SMIME-Decrypt "$o")" $sd
	# What Python's email package, which ends lines at a bare CR too,
	# reads at the top: the outer fields, ours, the allowed inner ones.
	pyseen "$o" >"$tmp/py"
	check_nogrep "$way: Python sees no trace, result or control field of the entity" \
	    '^(received|return-path|dkim-signature|arc-.*|smime-encrypt|x-.*)$' "$tmp/py"
	check_eq "$way: Python sees $ar Authentication-Results" \
	    "$(grep -c '^authentication-results$' "$tmp/py")" $ar
	# What is promoted, and what is not.
	check_eq "$way: the inner Subject the outer lacks comes up" \
	    "$(h "$o" | grep '^Subject:')" 'Subject: the inner subject'
	check_eq "$way: one Date, the first" "$(h "$o" | grep '^Date:')" \
	    'Date: Mon, 1 Jan 2024 00:00:00 +0000'
	check_eq "$way: the outer From stays, alone" \
	    "$(h "$o" | grep -i '^From:')" 'From: alice@example.com'
	check_eq "$way: the inner Content-Type and Content-Transfer-Encoding" \
	    "$(h "$o" | grep -i '^Content-' | tr '\n' '|')" \
	    'Content-Type: text/plain; charset=us-ascii|Content-Transfer-Encoding: 7bit|'
	check_eq "$way: the body" "$(b "$o")" 'the inner body'
done

done_testing
