#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Our header is safe for lax readers too (smimetools(7), SECURITY
# CONSIDERATIONS).  The reader here is Python's email package
# (email.policy.default), which reads Authentication-Results as
# unstructured text: it decodes RFC 2047 encoded-words anywhere in it,
# inside quotes and comments too, and writes what it decoded back raw.
#  - forged Authentication-Results whose authserv-id is ours once decoded
#    or stripped of white space: an encoded-word (q, b, split in two, the
#    whole value in one, in quotes, folded), Unicode and invisible white
#    space around it (U+00A0, U+2003, U+3000, U+200B, U+FEFF, a Latin-1
#    NBSP in an encoded-word); they are removed, the rest of the header
#    byte-exact, and Python reads exactly one result of ours;
#  - certificates whose names hold encoded-words decoding to CR LF and a
#    field (issuer CN and OU, the rfc822Name), and an issuer name of
#    4,974 characters without a space: no line of ours over 998 octets,
#    and Python, reading our output and reading what it writes back of
#    it, finds no injected field and one result of ours.
. "$(dirname "$0")/lib.sh"
plan 47

pki=$testdir/pki
fx=$testdir/attacks/header
private_keys alice
for k in ew-leaf long-leaf; do
	cp "$fx/$k.key" "$tmp/" && chmod 600 "$tmp/$k.key"
done
ca="--no-system-ca --ca $pki/root-ca.pem"
unar() { awk '!d && /^Authentication-Results:/ { p = 1; d = 1; next } p && /^[ \t]/ { next } { p = 0; print }' "$1"; }

# lax FILE [rewrite]: what Python's email.policy.default makes of FILE
# (and, with rewrite, of what it writes back of it): the problems, one a
# line, nothing if it holds exactly one Authentication-Results of ours,
# the first field, no field named X-Injected, no CR or LF in a decoded
# value and no line over 998 octets.
cat >"$tmp/lax.py" <<'EOF'
import re, sys, unicodedata
from email import policy
from email.parser import BytesParser

def authserv_id(v):
    v = v.split(';')[0]
    while re.search(r'\([^()]*\)', v):
        v = re.sub(r'\([^()]*\)', '', v)
    v = ''.join(c for c in v if not (c.isspace() or
        unicodedata.category(c) in ('Cf', 'Zs', 'Cc')))
    return v.replace('"', '').rstrip('.').lower()

def problems(raw, what):
    out = []
    for line in raw.split(b'\n'):
        if len(line.rstrip(b'\r')) > 998:
            out.append('%s: a line of %d octets' % (what, len(line)))
    m = BytesParser(policy=policy.default).parsebytes(raw)
    ours = [i for i, (k, v) in enumerate(m.items())
        if k.lower() == 'authentication-results' and
        authserv_id(str(v)) == 'mx.example.org']
    if ours != [0]:
        out.append('%s: results of ours at %s' % (what, ours))
    for k, v in m.items():
        if k.lower().startswith('x-injected'):
            out.append('%s: an injected field %s' % (what, k))
        if re.search(r'[\r\n]', str(v)):
            out.append('%s: %s decodes to a line break' % (what, k))
    return out, m

raw = open(sys.argv[1], 'rb').read()
out, m = problems(raw, 'read')
if len(sys.argv) > 2:
    try:
        out += problems(m.as_bytes(), 'rewritten')[0]
    except Exception as e:
        out.append('rewritten: %s' % e)
print('\n'.join(out), end='')
EOF
lax() { python3 "$tmp/lax.py" "$@" 2>&1; }

# The base message: signed by alice, it passes.
printf 'From: alice@example.com\nTo: help@example.org\nSubject: test\nContent-Type: text/plain\n\nhello\n' |
    smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" --chain "$pki/sub-ca.pem" >"$tmp/base.eml"
smime-verify $ca <"$tmp/base.eml" >"$tmp/v.eml"
check_eq 'the base message passes' "$(ar_result "$tmp/v.eml")" pass
check_eq 'the base message: Python reads one result of ours' "$(lax "$tmp/v.eml" rewrite)" ''

# --- forged results in spellings a lax reader accepts --------------------
# name|field (perl escapes: \n, \t, \xNN)
cat >"$tmp/forged" <<'EOF'
encoded-word id|Authentication-Results: =?utf-8?q?mx.example.org?=; smime=pass
upper-case base64 encoded-word|Authentication-Results: =?UTF-8?B?bXguZXhhbXBsZS5vcmc=?=; smime=pass
the whole value one encoded-word|Authentication-Results: =?utf-8?q?mx.example.org=3B_smime=3Dpass?=
split into two encoded-words|Authentication-Results: =?utf-8?q?mx.exa?= =?utf-8?q?mple.org?=; smime=pass
encoded-word in quotes|Authentication-Results: "=?utf-8?q?mx.example.org?="; smime=pass
encoded spaces around the id|Authentication-Results: =?utf-8?q?_mx.example.org_?=; smime=pass
Latin-1 NBSP in an encoded-word|Authentication-Results: =?iso-8859-1?q?=A0mx.example.org?=; smime=pass
comment, encoded-word, upper case, dot|Authentication-Results: (x) =?utf-8?q?MX.EXAMPLE.ORG.?= ; smime=pass
folded encoded-word|Authentication-Results:\n =?utf-8?q?mx.example.org?=\n ; smime=pass
NBSP before the id|Authentication-Results: \xc2\xa0mx.example.org; smime=pass
em space before, ideographic space after|Authentication-Results: \xe2\x80\x83mx.example.org\xe3\x80\x80; smime=pass
zero-width space after|Authentication-Results: mx.example.org\xe2\x80\x8b; smime=pass
byte order mark before|Authentication-Results: \xef\xbb\xbfmx.example.org; smime=pass
EOF
# lines FILE: the fields of FILE (name|field), perl escapes undone.
field() { perl -e 'my $f = shift; $f =~ s/\\n/\n/g; $f =~ s/\\t/\t/g;
    $f =~ s/\\x([0-9a-f]{2})/chr(hex($1))/ge; print "$f\n"' "$1"; }
while IFS='|' read -r name f; do
	{ field "$f"; cat "$tmp/base.eml"; } >"$tmp/f.eml"
	smime-verify $ca <"$tmp/f.eml" >"$tmp/v.eml"
	unar "$tmp/v.eml" >"$tmp/v.rest"
	check_same "forged, $name: removed, the rest byte-exact" "$tmp/v.rest" "$tmp/base.eml"
	check_eq "forged, $name: Python reads one result of ours" "$(lax "$tmp/v.eml")" ''
done <"$tmp/forged"
# Not ours once decoded: kept.
cat >"$tmp/kept" <<'EOF'
another id, encoded|Authentication-Results: =?utf-8?q?other.example?=; smime=pass
another id, ours encoded in a comment|Authentication-Results: other.example (=?utf-8?q?mx.example.org?=); smime=pass
a longer id, encoded|Authentication-Results: =?utf-8?q?mx.example.org.evil.example?=; smime=pass
EOF
while IFS='|' read -r name f; do
	{ field "$f"; cat "$tmp/base.eml"; } >"$tmp/f.eml"
	smime-verify $ca <"$tmp/f.eml" >"$tmp/v.eml"
	unar "$tmp/v.eml" >"$tmp/v.rest"
	check_same "not ours, $name: kept, byte-exact" "$tmp/v.rest" "$tmp/f.eml"
done <"$tmp/kept"

# --- certificate values that decode into a field, or never end -------------
# signed_by LEAF CA: the message signed by LEAF, verified against CA.
signed_by() {
	printf 'From: alice@example.com\nTo: help@example.org\nSubject: evil cert\nContent-Type: text/plain\n\nhello\n' |
	    smime-sign -k "$tmp/$1.key" -c "$fx/$1.pem" >"$tmp/s.eml"
	smime-verify --no-system-ca --ca "$fx/$2.pem" <"$tmp/s.eml" >"$tmp/v.eml"
}
check_grep 'the ew CA: its name holds an encoded-word of CR LF and a field' \
    '=\?utf-8\?q\?=0D=0AX-Injected=3A_ca\?=' "$(openssl x509 -in "$fx/ew-ca.pem" -noout -subject >"$tmp/x"; echo "$tmp/x")"
check_eq 'the long CA: a name of 4,974 characters' \
    "$(openssl x509 -in "$fx/long-ca.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//' | tr -d '\n' | wc -c | tr -d ' ')" 4974
for policy in chain signature; do
	signed_by ew-leaf ew-ca
	[ $policy = signature ] && smime-verify --policy signature <"$tmp/s.eml" >"$tmp/v.eml"
	check_grep "$policy, encoded-words in the issuer and the address: with the properties" \
	    'body\.smime-issuer=' "$tmp/v.eml"
	check_eq "$policy, encoded-words in the issuer and the address: Python reads no field of them" \
	    "$(lax "$tmp/v.eml" rewrite)" ''
	check_nogrep "$policy, encoded-words: no encoded-word left in our field" \
	    '=\?' "$(awk '/^Authentication-Results:/ { p = 1; print; next } p && /^[ \t]/ { print; next } { p = 0 }' "$tmp/v.eml" >"$tmp/ours"; echo "$tmp/ours")"
	unar "$tmp/v.eml" >"$tmp/v.rest"
	check_same "$policy, encoded-words: the rest of the header is the original" "$tmp/v.rest" "$tmp/s.eml"
	signed_by long-leaf long-ca
	[ $policy = signature ] && smime-verify --policy signature <"$tmp/s.eml" >"$tmp/v.eml"
	check_nogrep "$policy, an issuer of 4,974 characters: no line over 998 octets" \
	    '^.{999}' "$tmp/v.eml"
	check_eq "$policy, an issuer of 4,974 characters: Python reads one result of ours" \
	    "$(lax "$tmp/v.eml" rewrite)" ''
	check_grep "$policy, an issuer of 4,974 characters: cut, marked" \
	    '\.\.\."$' "$tmp/v.eml"
done

done_testing
