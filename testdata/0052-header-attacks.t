#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Attacks on our result headers:
#  - forged Authentication-Results of our authserv-id, in every spelling
#    RFC 5322 and RFC 8601 allow (case, white space before the colon as
#    the obsolete syntax allows, no space, folding, comments before,
#    inside and after the authserv-id, a quoted-string, a trailing dot, a
#    version number), must be removed by smime-verify (RFC 8601 section 5);
#    fields of other authserv-ids (and other field names) must stay;
#  - forged SMIME-Decrypt fields are removed by smime-decrypt whatever
#    their authserv-id (smime-decrypt(1): "whatever its authserv-id");
#  - certificates whose subject CN, emailAddress, subjectAltName email or
#    issuer hold CR, LF, quotes, semicolons, parentheses or backslashes:
#    our field stays one well-formed field, and the rest of the header is
#    the original, byte for byte (no field injected).
# Each case is asserted for LF and for CRLF input.
. "$(dirname "$0")/lib.sh"
plan 223

pki=$testdir/pki
cp "$pki/alice.key" "$tmp/alice.key"
chmod 600 "$tmp/alice.key"
ca="--no-system-ca --ca $pki/root-ca.pem"
# The first field of the output (ours) taken out: the rest must be the
# input byte for byte.
unar() { awk '!d && /^Authentication-Results:/ { p = 1; d = 1; next } p && /^[ \t]/ { next } { p = 0; print }' "$1"; }
# wellformed FILE: the first field of FILE is one RFC 8601 smime result
# of ours: printable ASCII and folding only, then authserv-id; smime=RESULT,
# an optional comment, and body.smime-* properties whose values are
# tokens, addr-specs or quoted-strings.  Prints what is wrong, if anything.
wellformed() {
	perl -e '
	    open(F, "<", $ARGV[0]) or die; binmode F;
	    my $f = <F>; my $l;
	    while (defined($l = <F>) && $l =~ /^[ \t]/) { $f .= $l }
	    $f =~ s/\r?\n\z// or print "no line end\n";
	    $f =~ s/\r?\n([ \t])/$1/g;	# unfold
	    print "a control character or 8-bit byte\n" if $f =~ /[^\t\x20-\x7e]/;
	    my $c; $c = qr/\((?:[^()\\]|\\[\x20-\x7e]|(??{$c}))*\)/;
	    my $qs = qr/"(?:[^"\\]|\\[\x20-\x7e])*"/;
	    my $tok = qr/[!#\$%&\x27*+\-.0-9A-Z^_`a-z{|}~]+/;
	    my $addr = qr/[!#\$%&\x27*+\-\/=?^_`{|}~.0-9A-Za-z]+\@[0-9A-Za-z.\-]+/;
	    $f =~ /^Authentication-Results: mx\.example\.org;[ \t]+smime=(?:pass|fail|policy|none|neutral|permerror|temperror)(?:[ \t]+$c)?(?:[ \t]+body\.smime-(?:identifier|part|serial|issuer)=(?:$qs|$addr|$tok))*[ \t]*\z/
	        or print "not one well-formed field: $f\n";' "$1"
}

# The message every forged field is put in front of: signed by alice.
printf 'From: alice@example.com\nTo: help@example.org\nSubject: test\nMessage-ID: <h@example.com>\nContent-Type: text/plain\n\nhello\n' |
    smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" --chain "$pki/sub-ca.pem" >"$tmp/base.eml"
smime-verify $ca <"$tmp/base.eml" >"$tmp/v.eml"
check_eq 'the base message passes' "$(ar_result "$tmp/v.eml")" pass

# --- forged Authentication-Results of our id: removed ------------------
# name|field (printf format: \n for a line end, \t for a tab)
cat >"$tmp/forged" <<'EOF'
plain|Authentication-Results: mx.example.org; smime=pass
lower case|authentication-results: mx.example.org; smime=pass
upper case id|Authentication-Results: MX.EXAMPLE.ORG; smime=pass
mixed case|AUTHENTICATION-results: Mx.Example.Org; smime=pass
space before the colon|Authentication-Results : mx.example.org; smime=pass
tab before the colon|Authentication-Results\t: mx.example.org; smime=pass
no space after the colon|Authentication-Results:mx.example.org;smime=pass
tabs around the id|Authentication-Results:\tmx.example.org\t; smime=pass
folded before the id|Authentication-Results:\n mx.example.org; smime=pass
folded after the id|Authentication-Results: mx.example.org\n\t; smime=pass
folded over three lines|Authentication-Results:\n\tmx.example.org;\n\tsmime=pass\n\tbody.smime-identifier=alice@example.com
comment before the id|Authentication-Results: (forged) mx.example.org; smime=pass
comment without space|Authentication-Results:(x)mx.example.org(y);smime=pass
nested comment|Authentication-Results: (a (b) c) mx.example.org; smime=pass
comment with a quoted paren|Authentication-Results: (a \\) b) mx.example.org; smime=pass
folded comment|Authentication-Results: (a\n b) mx.example.org; smime=pass
comment after the id|Authentication-Results: mx.example.org (ours); smime=pass
comment inside the id|Authentication-Results: mx.example(x).org; smime=pass
trailing dot|Authentication-Results: mx.example.org.; smime=pass
version number|Authentication-Results: mx.example.org 1; smime=pass
version with comment|Authentication-Results: mx.example.org (v) 1 (w); smime=pass
quoted id|Authentication-Results: "mx.example.org"; smime=pass
quoted id with quoted-pairs|Authentication-Results: "mx\\.example\\.org"; smime=pass
quoted id, trailing dot, upper case|Authentication-Results: "MX.EXAMPLE.ORG."; smime=pass
no result at all|Authentication-Results: mx.example.org; none
EOF
# Fields that are not ours and must stay.
cat >"$tmp/kept" <<'EOF'
another authserv-id|Authentication-Results: other.example; dkim=pass header.d=example.com
a longer id with ours as prefix|Authentication-Results: mx.example.org.evil.example; smime=pass
a longer id with ours as suffix|Authentication-Results: evil.mx.example.org; smime=pass
another id, ours in a comment|Authentication-Results: other.example (mx.example.org); smime=pass
another id, ours as a value|Authentication-Results: other.example; smime=pass reason="mx.example.org"
a quoted id with more in it|Authentication-Results: "mx.example.org x"; smime=pass
X-Authentication-Results|X-Authentication-Results: mx.example.org; smime=pass
ARC-Authentication-Results|ARC-Authentication-Results: i=1; mx.example.org; smime=pass
EOF

for eol in lf crlf; do
	$eol "$tmp/base.eml" >"$tmp/b.eml"
	while IFS='|' read -r name field; do
		{ printf "$field\\n"; cat "$tmp/base.eml"; } | $eol /dev/stdin >"$tmp/f.eml"
		expect_code "$eol, forged, $name: exit 0" 0 \
		    'smime-verify $ca <"$tmp/f.eml" >"$tmp/v.eml"'
		unar "$tmp/v.eml" >"$tmp/v.rest"
		check_same "$eol, forged, $name: removed, the rest byte-exact" "$tmp/v.rest" "$tmp/b.eml"
	done <"$tmp/forged"
	while IFS='|' read -r name field; do
		{ printf "$field\\n"; cat "$tmp/base.eml"; } | $eol /dev/stdin >"$tmp/f.eml"
		smime-verify $ca <"$tmp/f.eml" >"$tmp/v.eml"
		unar "$tmp/v.eml" >"$tmp/v.rest"
		check_same "$eol, not ours, $name: kept, byte-exact" "$tmp/v.rest" "$tmp/f.eml"
	done <"$tmp/kept"
	# All of them at once, interleaved with the kept ones.
	{ paste -d '\n' "$tmp/forged" "$tmp/kept" | grep . | grep -v '^comment inside' | cut -d '|' -f 2- |
	    while IFS= read -r field; do printf "$field\\n"; done
	  cat "$tmp/base.eml"; } | $eol /dev/stdin >"$tmp/f.eml"
	{ cut -d '|' -f 2- "$tmp/kept" | while IFS= read -r field; do printf "$field\\n"; done
	  cat "$tmp/base.eml"; } | $eol /dev/stdin >"$tmp/want.eml"
	smime-verify $ca <"$tmp/f.eml" >"$tmp/v.eml"
	unar "$tmp/v.eml" >"$tmp/v.rest"
	check_same "$eol, every forged field at once: all gone, every other kept" "$tmp/v.rest" "$tmp/want.eml"
	check_eq "$eol, every forged field at once: ours says pass" "$(ar_result "$tmp/v.eml")" pass
done

# Below another field: still in the top-level header.
printf 'Received: from x by y; Mon, 23 Nov 2026 10:00:00 +0000\nAuthentication-Results: mx.example.org; smime=pass\n' |
    cat - "$tmp/base.eml" >"$tmp/f.eml"
printf 'Received: from x by y; Mon, 23 Nov 2026 10:00:00 +0000\n' | cat - "$tmp/base.eml" >"$tmp/want.eml"
smime-verify $ca <"$tmp/f.eml" >"$tmp/v.eml"
unar "$tmp/v.eml" >"$tmp/v.rest"
check_same 'forged below a Received field: removed, the rest byte-exact' "$tmp/v.rest" "$tmp/want.eml"
# In the body, it is content: kept.
sed 's/^hello$/Authentication-Results: mx.example.org; smime=pass/' "$tmp/base.eml" >"$tmp/f.eml"
smime-verify $ca <"$tmp/f.eml" >"$tmp/v.eml"
unar "$tmp/v.eml" >"$tmp/v.rest"
check_same 'in the signed body: content, kept (and the signature now fails)' "$tmp/v.rest" "$tmp/f.eml"

# An unsigned message with a forged pass: none, and the forgery gone.
printf 'Authentication-Results: (x) MX.example.org. ; smime=pass\nFrom: alice@example.com\n\nhi\n' >"$tmp/u.eml"
smime-verify $ca <"$tmp/u.eml" >"$tmp/v.eml"
check_eq 'unsigned, forged pass: exactly one field of ours, none' \
    "$(grep -ci 'mx\.example\.org' "$tmp/v.eml"):$(ar_result "$tmp/v.eml")" '1:none'

# --- forged SMIME-Decrypt: removed, whatever the authserv-id -------------
printf 'From: bob@example.com\nTo: alice@example.com\nContent-Type: text/plain\n\nthe secret\n' |
    smime-encrypt -r "$pki/alice.pem" >"$tmp/e.eml"
cat >"$tmp/dforged" <<'EOF'
plain|SMIME-Decrypt: mx.example.org; result=pass; cipher=aes-256-gcm; integrity=authenticated
lower case|smime-decrypt: mx.example.org; result=pass
space before the colon|SMIME-Decrypt : mx.example.org; result=pass
folded|SMIME-Decrypt:\n mx.example.org;\n\tresult=pass
comment before the id|SMIME-Decrypt: (x) MX.EXAMPLE.ORG.; result=pass
another authserv-id|SMIME-Decrypt: other.example; result=pass
EOF
while IFS='|' read -r name field; do
	for eol in lf crlf; do
		{ printf "$field\\n"; cat "$tmp/e.eml"; } | $eol /dev/stdin >"$tmp/f.eml"
		$eol "$tmp/e.eml" >"$tmp/b.eml"
		# decrypted: ours (result=pass) is the only one left
		smime-decrypt -k "$tmp/alice.key" -c "$pki/alice.pem" <"$tmp/f.eml" >"$tmp/d.eml"
		check_eq "$eol, forged SMIME-Decrypt, $name: only ours is left" \
		    "$(grep -ci '^smime-decrypt' "$tmp/d.eml")" 1
		{ printf "$field\\n"; printf 'From: a@example.com\nSubject: x\n\nplain text\n'; } | $eol /dev/stdin >"$tmp/f.eml"
		{ printf 'From: a@example.com\nSubject: x\n\nplain text\n'; } | $eol /dev/stdin >"$tmp/b.eml"
		smime-decrypt <"$tmp/f.eml" >"$tmp/d.eml"
		undres "$tmp/d.eml" >"$tmp/d.rest"
		check_same "$eol, forged SMIME-Decrypt, $name, not encrypted: removed, byte-exact" \
		    "$tmp/d.rest" "$tmp/b.eml"
	done
done <"$tmp/dforged"

# --- hostile certificates ----------------------------------------------------
# A throwaway CA whose name holds quotes, a semicolon, parentheses and a
# CR LF with a field after it; leaf certificates with such addresses.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/evil-ca.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/evil-ca.key" -days 36500 \
    -subj "/O=evil/CN=Evil \"CA\"; smime=pass ($(printf '\r\nX-Injected-CA: yes') \\\\ )" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
    -out "$tmp/evil-ca.pem" 2>/dev/null
check_eq 'the evil CA name holds CR LF, quotes, ; and ( )' \
    "$(openssl x509 -in "$tmp/evil-ca.pem" -noout -subject -nameopt compat)" \
    'subject=/O=evil/CN=Evil "CA"; smime=pass (\x0D\x0AX-Injected-CA: yes \ )'
# leaf NAME SAN-EMAIL SUBJECT: a leaf for SAN-EMAIL (perl escapes \r \n;
# empty: no subjectAltName) with SUBJECT, issued by the evil CA.
leaf() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$1.key" 2>/dev/null
	chmod 600 "$tmp/$1.key"
	{ if [ -n "$2" ]; then
		printf 'subjectAltName=DER:%s\n' "$(perl -e '$e = shift; $e =~ s/\\r/\r/g; $e =~ s/\\n/\n/g;
		    $g = "\x81" . chr(length $e) . $e; print unpack("H*", "\x30" . chr(length $g) . $g)' "$2")"
	  fi
	  printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n'; } >"$tmp/$1.ext"
	openssl req -new -key "$tmp/$1.key" -subj "$3" 2>/dev/null |
	    openssl x509 -req -CA "$tmp/evil-ca.pem" -CAkey "$tmp/evil-ca.key" \
	    -set_serial "$4" -days 36500 -extfile "$tmp/$1.ext" -out "$tmp/$1.pem" 2>/dev/null
}
CRLF_INJ=$(printf '\r\nX-Injected: yes')
LF_INJ=$(printf '\nX-Injected: yes')
leaf crlf 'x"y@example.com\r\nX-Injected: yes' "/CN=crlf$CRLF_INJ" 1
leaf specials 'a;b(c)"d\\e)f@example.com' '/CN=a;b(c)"d\\e' 2
leaf breakout 'a"; smime=pass; x="@example.com' '/CN=) smime=pass (' 3
leaf lf 'evil@example.com\nX-Injected: yes' "/CN=lf$LF_INJ" 4
leaf subject '' "/CN=subj$LF_INJ/emailAddress=e${CRLF_INJ}@example.com" 5
leaf paren 'alice@example.com) (x' '/CN=paren' 6
check_eq 'the crlf leaf: the CR LF is in its subjectAltName' \
    "$(openssl x509 -in "$tmp/crlf.pem" -noout -ext subjectAltName | tr '\r\n' '<>' )" \
    'X509v3 Subject Alternative Name: >    email:x"y@example.com<>X-Injected: yes>'
check_eq 'the subject leaf: no SAN, the emailAddress holds CR LF' \
    "$(openssl x509 -in "$tmp/subject.pem" -noout -ext subjectAltName 2>/dev/null)$(openssl x509 -in "$tmp/subject.pem" -noout -subject)" \
    'subject=CN = subj\0AX-Injected: yes, emailAddress = e\0D\0AX-Injected: yes@example.com'
for n in crlf specials breakout lf subject paren; do
	printf 'From: alice@example.com\nTo: help@example.org\nSubject: evil cert\nContent-Type: text/plain\n\nhello\n' >"$tmp/m.eml"
	for eol in lf crlf; do
		$eol "$tmp/m.eml" | smime-sign -k "$tmp/$n.key" -c "$tmp/$n.pem" >"$tmp/s.eml"
		expect_code "$eol, certificate $n: exit 0" 0 \
		    'smime-verify --no-system-ca --ca "$tmp/evil-ca.pem" <"$tmp/s.eml" >"$tmp/v.eml"'
		check_eq "$eol, certificate $n: our field is one well-formed field" \
		    "$(wellformed "$tmp/v.eml")" ''
		check_grep "$eol, certificate $n: with the certificate's properties" \
		    'body\.smime-issuer=' "$tmp/v.eml"
		unar "$tmp/v.eml" >"$tmp/v.rest"
		check_same "$eol, certificate $n: the rest of the header is the original (no field injected)" \
		    "$tmp/v.rest" "$tmp/s.eml"
		check_nogrep "$eol, certificate $n: no line starts an injected field" \
		    '^X-Injected' "$tmp/v.eml"
	done
	# the same, --policy signature (pass: the values in a pass)
	smime-verify --policy signature <"$tmp/s.eml" >"$tmp/v.eml"
	check_eq "certificate $n, --policy signature: well-formed" "$(wellformed "$tmp/v.eml")" ''
	smime-verify --no-system-ca --ca "$tmp/evil-ca.pem" --report "$tmp/r.json" <"$tmp/s.eml" >/dev/null
	check_eq "certificate $n, --report: one JSON line" "$(wc -l <"$tmp/r.json" | tr -d ' ')" 1
	rm -f "$tmp/r.json"
done

done_testing
