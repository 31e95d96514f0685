#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# The From that is shown is the From that is checked (smimetools(7),
# SECURITY CONSIDERATIONS).  The attacker, bob@example.com, holds a
# certificate the site's CA issued and signs messages whose From a reader
# shows as alice@example.com (or as something else than bob alone):
#  - From shapes (attacks/from/shapes): group syntax, an address as a
#    display name (unquoted, quoted, encoded-word, fullwidth at sign), an
#    address in a comment, a route, a quoted local part, a NUL or a
#    control character, text after the angle-addr: never pass (policy,
#    address mismatch: ambiguous From); the plain shapes pass, and for
#    each of those Python's email.policy.default reads bob alone too;
#  - two From fields, and a From longer than the parser reads whole;
#  - a signed message/rfc822 (RFC 8551 3.1): its inner From is the one
#    the signer must match; on a pass it is the one shown, and an outer
#    From (or Subject) that says something else is noted, never shown
#    (multipart/signed and opaque).
. "$(dirname "$0")/lib.sh"
plan 66

pki=$testdir/pki
shapes=$testdir/attacks/from/shapes
private_keys bob
ca="--no-system-ca --ca $pki/root-ca.pem"
sign() { smime-sign -k "$tmp/bob.key" -c "$pki/bob.pem" --chain "$pki/sub-ca.pem" "$@"; }
verdict() { smime-verify $ca <"$1" >"$tmp/v.eml" && ar_result "$tmp/v.eml"; }

# The From is outside the signature: one signed message, its From
# field replaced by each shape.  Signed by openssl cms, which copies no
# header inside (smime-sign does, RFC 9788, and the signed From would
# be the one checked): these cases test the rule for the outer From.
printf 'Content-Type: text/plain\n\nhello\n' >"$tmp/entity"
{ printf 'From: bob@example.com\nTo: help@example.org\nSubject: test\n'
  openssl cms -sign -md sha256 -in "$tmp/entity" -signer "$pki/bob.pem" \
      -inkey "$tmp/bob.key" -certfile "$pki/sub-ca.pem"; } >"$tmp/base.eml"
check_eq 'the base message passes' "$(verdict "$tmp/base.eml")" pass
# with_from FIELD: the base message with FIELD (perl escapes) as its From.
with_from() {
	perl -e 'my $f = shift; $f =~ s/\\n/\n/g; $f =~ s/\\r/\r/g; $f =~ s/\\t/\t/g;
	    $f =~ s/\\0/\0/g; $f =~ s/\\x([0-9a-f]{2})/chr(hex($1))/ge; $f =~ s/\\\\/\\/g;
	    while (<STDIN>) { $_ = "$f\n" if $. == 1 && /^From: /; print }' "$1" <"$tmp/base.eml"
}

# Python's reading of each shape: "bob" when it reads bob@example.com
# alone, outside a group, with no '@' in the display name.
grep -v '^#' "$shapes" >"$tmp/shapes"
while IFS='|' read -r want name field; do
	with_from "$field" >"$tmp/m.eml"
	python3 -c '
import sys
from email import policy
from email.parser import BytesParser
m = BytesParser(policy=policy.default).parse(open(sys.argv[1], "rb"))
try:
    h = m["From"]
    a = h.addresses
    ok = (len(a) == 1 and a[0].addr_spec.lower() == "bob@example.com" and
        "@" not in a[0].display_name and h.groups[0].display_name is None)
    print("bob" if ok else "other: %r" % ([(x.display_name, x.addr_spec) for x in a],))
except Exception as e:
    print("error: %s" % e)' "$tmp/m.eml" | sed "s/^/$name|/"
done <"$tmp/shapes" >"$tmp/python"

while IFS='|' read -r want name field; do
	with_from "$field" >"$tmp/m.eml"
	if [ "$want" = pass ]; then
		check_eq "$name: pass" "$(verdict "$tmp/m.eml")" pass
		check_eq "$name: Python reads bob alone too" \
		    "$(grep -F "$name|" "$tmp/python" | head -1 | cut -d '|' -f 2)" bob
	else
		case $want in
		permerror*) ;;
		*) want="policy (address mismatch$want)" ;;
		esac
		check_eq "$name: never pass" "$(verdict "$tmp/m.eml")" "$want"
	fi
done <"$tmp/shapes"

# Two From fields: which one a reader shows is the reader's choice.
sed '1a\
From: alice@example.com' "$tmp/base.eml" >"$tmp/m.eml"
check_eq 'two From fields: never pass' "$(verdict "$tmp/m.eml")" \
    'policy (address mismatch: several From addresses)'
# A From longer than the parser reads whole (64 KiB): bob, then white
# space, then alice beyond the cut.
perl -e 'print "From: bob\@example.com", " " x 70000, ", alice\@example.com\n";
    while (<STDIN>) { print if $. > 1 }' <"$tmp/base.eml" >"$tmp/m.eml"
check_eq 'a From of 70,000 octets, alice after the cut: never pass' \
    "$(verdict "$tmp/m.eml")" 'policy (address mismatch: ambiguous From)'

# --- a signed message/rfc822 (RFC 8551 3.1) ---------------------------------
# rfc822 OUTER INNER [OPTS]: a message from OUTER (empty: no From) whose
# content, signed by bob, is a message/rfc822 from INNER (empty: none).
rfc822() {
	{ [ -n "$1" ] && printf 'From: %s\n' "$1"
	  printf 'To: help@example.org\nSubject: fwd\nContent-Type: message/rfc822\n\n'
	  [ -n "$2" ] && printf 'From: %s\n' "$2"
	  printf 'To: help@example.org\nSubject: inner\n\nplease reset my password\n'; } >"$tmp/r.eml"
	shift 2
	sign "$@" <"$tmp/r.eml" >"$tmp/m.eml"
}
for form in detached opaque; do
	opt=; [ $form = opaque ] && opt=--opaque
	rfc822 bob@example.com bob@example.com $opt
	check_eq "$form, outer bob, inner bob: pass" "$(verdict "$tmp/m.eml")" \
	    'pass (outer Subject differs from the protected header, hp=wrapped)'
	check_grep "$form: the signed content is the message/rfc822" \
	    '^Content-Type: message/rfc822' "$tmp/v.eml"
	rfc822 bob@example.com alice@example.com $opt
	check_eq "$form, outer bob, inner alice: the inner From is checked" \
	    "$(verdict "$tmp/m.eml")" 'policy (address mismatch)'
	rfc822 alice@example.com bob@example.com $opt
	check_eq "$form, outer alice, inner bob: pass, the outer From noted" \
	    "$(verdict "$tmp/m.eml")" \
	    'pass (outer Subject, From differ from the protected header, hp=wrapped)'
	check_eq "$form, outer alice, inner bob: bob is shown, alice nowhere" \
	    "$(hdr "$tmp/v.eml" | grep -i -e '^From:' -e alice | tr -d '\r')" \
	    'From: bob@example.com'
	rfc822 'Bob <BOB@example.com>' bob@example.com $opt
	check_eq "$form, the same address in other spellings: pass" \
	    "$(verdict "$tmp/m.eml")" \
	    'pass (outer Subject, From differ from the protected header, hp=wrapped)'
	rfc822 bob@example.com 'alice@example.com <bob@example.com>' $opt
	check_eq "$form, inner From ambiguous: never pass" \
	    "$(verdict "$tmp/m.eml")" 'policy (address mismatch: ambiguous From)'
	rfc822 bob@example.com '' $opt
	check_eq "$form, inner message without From: not the outer one alone" \
	    "$(verdict "$tmp/m.eml")" 'policy (address mismatch: no From address)'
	rfc822 '' bob@example.com $opt
	check_eq "$form, no outer From, inner bob: pass" \
	    "$(verdict "$tmp/m.eml")" \
	    'pass (outer Subject differs from the protected header, hp=wrapped)'
done

done_testing
