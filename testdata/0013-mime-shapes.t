#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Signatures over random MIME entities (testdata/mime-shapes.py: nested
# multiparts and messages whose parts end where RFC 2046 gives the line
# break to the boundary), checked against OpenSSL both ways:
# - openssl cms -sign (text mode, LF entity; -binary, CRLF entity), as
#   mail: smime-verify says pass;
# - smime-sign of a message made of the entity: openssl cms -verify and
#   smime-verify both pass.
# One line per seed that fails, naming the way it failed.
. "$(dirname "$0")/lib.sh"
N=60
plan 1

pki=$testdir/pki
private_keys alice
ca="--no-system-ca --ca $pki/root-ca.pem"
gen=$testdir/mime-shapes.py
verdict() {
	smime-verify $ca <"$1" >"$tmp/v.eml"
	ar_result "$tmp/v.eml"
}
osign() {	# osign ENTITY OPTS: openssl's signed message, as mail
	{ printf 'From: alice@example.com\n'
	  openssl cms -sign $2 -signer "$pki/alice.pem" -inkey "$tmp/alice.key" \
	      -certfile "$pki/sub-ca.pem" -in "$1"; } >"$tmp/s.eml" 2>/dev/null
}

bad=
i=1
while [ $i -le $N ]; do
	python3 "$gen" $i >"$tmp/lf"
	python3 "$gen" $i crlf >"$tmp/crlf"
	# A signed message/rfc822 is checked against its own From, and the
	# generator's have none (a misread delimiter would be fail).
	want=pass
	head -1 "$tmp/lf" | grep -q '^Content-Type: message/rfc822' &&
	    want='policy (address mismatch: no From address)'
	osign "$tmp/lf" ""
	[ "$(verdict "$tmp/s.eml")" = "$want" ] || bad="$bad $i:openssl-text"
	osign "$tmp/crlf" -binary
	[ "$(verdict "$tmp/s.eml")" = "$want" ] || bad="$bad $i:openssl-binary"
	for e in lf crlf; do
		{ printf 'From: alice@example.com\nSubject: shapes\n'
		  cat "$tmp/$e"; } >"$tmp/m.eml"
		smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" \
		    --chain "$pki/sub-ca.pem" <"$tmp/m.eml" >"$tmp/s.eml"
		openssl cms -verify -CAfile "$pki/root-ca.pem" -in "$tmp/s.eml" \
		    -out /dev/null 2>/dev/null || bad="$bad $i:$e:ours-openssl"
		[ "$(verdict "$tmp/s.eml")" = "$want" ] || bad="$bad $i:$e:ours-ours"
	done
	i=$((i + 1))
done
check_eq "$N random entities, four ways each: every signature is valid (pass, or policy for a message/rfc822 without From)" "$bad" ""

done_testing
