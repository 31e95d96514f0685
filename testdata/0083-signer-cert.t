#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# A signature whose signer certificate the message does not carry
# (KMail and gpgsm send none; openssl cms -sign -nocerts here) is checked
# with a certificate from our side (smime-verify(1), --certfile): one
# that --certfile names, or the one the store holds for the From address.
# Nowhere: permerror, never pass.  The certificate found is judged as any
# signer's: chain to an anchor, the From address.
. "$(dirname "$0")/lib.sh"
plan 15

pki=$testdir/pki
private_keys alice helpdesk
ca="--no-system-ca --ca $pki/root-ca.pem"

# nocerts FROM OPTS...: a message from FROM signed by alice with no
# certificate in the signature.
nocerts() {
	n_from=$1
	shift
	printf 'Content-Type: text/plain\r\n\r\nhello\r\n' >"$tmp/in"
	{ printf 'From: %s\nTo: help@example.org\nSubject: s\nMIME-Version: 1.0\n' "$n_from"
	  openssl cms -sign -nocerts -binary "$@" -in "$tmp/in" \
	      -signer "$pki/alice.pem" -inkey "$tmp/alice.key" |
	      sed '/^MIME-Version:/d'; }
}
nocerts alice@example.com >"$tmp/d.eml"
nocerts alice@example.com -nodetach >"$tmp/o.eml"
nocerts bob@example.com >"$tmp/b.eml"

for f in d o; do
	check_eq "$f: no certificate anywhere: permerror" \
	    "$(smime-verify $ca <"$tmp/$f.eml" | ar_result /dev/stdin)" \
	    'permerror (signer certificate not found)'
	check_eq "$f: --certfile alice and her CA: pass" \
	    "$(smime-verify $ca --certfile "$pki/alice.pem" --certfile "$pki/sub-ca.pem" <"$tmp/$f.eml" | ar_result /dev/stdin)" \
	    pass
	check_eq "$f: --certfile of another: permerror" \
	    "$(smime-verify $ca --certfile "$pki/bob.pem" <"$tmp/$f.eml" | ar_result /dev/stdin)" \
	    'permerror (signer certificate not found)'
done
smime-verify $ca --certfile "$pki/alice.pem" --certfile "$pki/sub-ca.pem" <"$tmp/o.eml" >"$tmp/o.out"
check_grep 'opaque, --certfile: unwrapped' '^hello' "$tmp/o.out"
check_eq '--certfile without the intermediate: policy (untrusted), never pass' \
    "$(smime-verify $ca --certfile "$pki/alice.pem" <"$tmp/d.eml" | ar_result /dev/stdin)" \
    'policy (untrusted)'
expect_code '--certfile that does not exist: 66 before the message is read' 66 \
    "smime-verify $ca --certfile '$tmp/none.pem' <'$tmp/d.eml'"
check_eq '--certfile that does not exist: nothing written' "$(cat "$tmp/.out")" ''

# The store: what it holds for the From address (the intermediate, which
# the message does not carry either, from --certfile: the store gives
# the signer's certificate only).
helpdesk_store "$tmp/store"
S="-S $tmp/store"
sub="--certfile $pki/sub-ca.pem"
for f in d o; do
	check_eq "$f: the store holds alice's: pass" \
	    "$(smime-verify $S $ca $sub <"$tmp/$f.eml" | ar_result /dev/stdin)" pass
done
check_eq 'the From names bob: the store'"'"'s bob is no signer: permerror' \
    "$(smime-verify $S $ca $sub <"$tmp/b.eml" | ar_result /dev/stdin)" \
    'permerror (signer certificate not found)'
check_eq 'the From names bob, --certfile alice: address mismatch' \
    "$(smime-verify $S $ca $sub --certfile "$pki/alice.pem" <"$tmp/b.eml" | ar_result /dev/stdin)" \
    'policy (address mismatch)'
# A store without the sender: as without a store.
mkdir "$tmp/empty"
certstore -S "$tmp/empty" init
check_eq 'an empty store: permerror' \
    "$(smime-verify -S "$tmp/empty" $ca <"$tmp/d.eml" | ar_result /dev/stdin)" \
    'permerror (signer certificate not found)'

done_testing
