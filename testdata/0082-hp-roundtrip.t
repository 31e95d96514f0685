#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Header protection through our own tools, both ends (smimetools(7),
# HEADER PROTECTION): every way we send (signed detached or opaque,
# encrypted, signed then encrypted), under each policy (none given,
# hcp_baseline, hcp_shy, hcp_no_confidentiality), with the Legacy Display
# Element on and off, from LF and CRLF input, received by smime-decrypt
# | smime-verify and by smime-decrypt | smime-verify --unwrap.  What a
# reader is shown (Python's email package, hp/check.py) must be the
# original's user-facing fields, each once, no HP-Outer, and where no
# signature is left around the text, the original text with no Legacy
# Display Element; the results pass and say the scheme we sent.
# openssl cms -decrypt and -verify must accept what we send signed and
# encrypted, and smime-inbound delivers the same as the pipeline.
. "$(dirname "$0")/lib.sh"
plan 140

pki=$testdir/pki
private_keys alice bob
ca="--no-system-ca --ca $pki/root-ca.pem"
sig="-k $tmp/alice.key -c $pki/alice.pem --chain $pki/sub-ca.pem"
dec="-k $tmp/bob.key -c $pki/bob.pem"

printf 'From: Alice <alice@example.com>\nTo: help@example.org\nCc: carol@example.org\nSubject: Printer on fire\nDate: Mon, 7 Dec 2026 10:00:00 +0100\nMessage-ID: <rt1@example.com>\nKeywords: urgent\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nIt is on fire.\nPlease come.\n' >"$tmp/lf.eml"
crlf "$tmp/lf.eml" >"$tmp/crlf.eml"

# send MODE HCP LDE IN OUT: our tools, as a sender would run them.
send() {
	s_p=; [ "$2" != none ] && s_p=--protect-headers=$2
	s_l=; [ "$3" = off ] && s_l=--no-legacy-display
	case $1 in
	sign) smime-sign $sig $s_p $s_l <"$4" >"$5" ;;
	opaque) smime-sign $sig --opaque $s_p $s_l <"$4" >"$5" ;;
	encrypt) smime-encrypt -r "$pki/bob.pem" $s_p $s_l <"$4" >"$5" ;;
	both) smime-sign $sig $s_p $s_l <"$4" |
	    smime-encrypt -r "$pki/bob.pem" >"$5" ;;
	esac
}

for mode in sign opaque encrypt both; do
for hcp in none hcp_baseline hcp_shy hcp_no_confidentiality; do
for lde in on off; do
for eol in lf crlf; do
	n=$mode-$hcp-$lde-$eol
	# what the results must say of the scheme
	want=clear
	[ $hcp != none ] && want=cipher
	[ $mode = encrypt ] && [ $hcp = none ] && want=none
	if ! send $mode $hcp $lde "$tmp/$eol.eml" "$tmp/$n.sent" 2>"$tmp/$n.err"
	then
		_report 1 "$n: sent" "$(cat "$tmp/$n.err")"
		_report 1 "$n: unwrapped" "not sent"
		continue
	fi
	rm -f "$tmp/rep"
	smime-decrypt $dec --report "$tmp/rep" <"$tmp/$n.sent" |
	    smime-verify $ca --report "$tmp/rep" >"$tmp/$n.got"
	smime-decrypt $dec <"$tmp/$n.sent" |
	    smime-verify $ca --unwrap >"$tmp/$n.unw"
	# Where a signature still wraps the text, the element stays.
	nolde=; [ $mode = encrypt ] && nolde=nolde
	bad=$(python3 "$testdir/hp/check.py" "$tmp/$eol.eml" "$tmp/$n.got" $nolde)
	case $mode in
	encrypt) res=$(grep -c '"tool":"smime-decrypt".*"result":"pass".*"hp":"'$want'"' "$tmp/rep") ;;
	*) res=$(grep -c '"tool":"smime-verify".*"result":"pass".*"hp":"'$want'"' "$tmp/rep") ;;
	esac
	[ -z "$bad" ] && [ "$res" = 1 ]
	_report $? "$n: shown as sent, results pass with hp=$want" \
	    "$bad$(cat "$tmp/rep")"
	bad=$(python3 "$testdir/hp/check.py" "$tmp/$eol.eml" "$tmp/$n.unw" nolde)
	[ -z "$bad" ]
	_report $? "$n: unwrapped, no Legacy Display Element" "$bad"
done
done
done
done

# openssl reads what we send signed and encrypted, and so does its
# verification of the inner signature.
for hcp in none hcp_baseline hcp_shy hcp_no_confidentiality; do
	for eol in lf crlf; do
		n=both-$hcp-on-$eol
		ok "$n: openssl cms -decrypt | -verify accept it" \
		    "openssl cms -decrypt -inkey '$tmp/bob.key' -recip '$pki/bob.pem' -in '$tmp/$n.sent' |
		     openssl cms -verify -CAfile '$pki/root-ca.pem' -out /dev/null"
	done
done

# What the outside shows under each policy, as sent (the receiving
# side's input): hcp_baseline and hcp_shy hide the Subject.
for hcp in hcp_baseline hcp_shy; do
	check_eq "$hcp: the outside says Subject: [...]" \
	    "$(hdr "$tmp/encrypt-$hcp-on-lf.sent" | grep '^Subject:')" \
	    'Subject: [...]'
done

# smime-inbound, the one filter procmail runs, delivers the same.
export SMIME_STORE=$tmp/store
certstore init >/dev/null
smime-inbound $dec -- $ca <"$tmp/both-hcp_baseline-on-lf.sent" >"$tmp/in.got"
check_eq 'smime-inbound: what the pipeline delivers' \
    "$(python3 "$testdir/hp/check.py" "$tmp/lf.eml" "$tmp/in.got")" ''
check_eq 'smime-inbound: pass' "$(ar_result "$tmp/in.got")" pass

done_testing
