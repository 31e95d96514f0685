#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# One reading of the MIME structure: a differential test.  Each shape of
# testdata/mime-ambig.py (a field or parameter given twice or in two
# forms, a boundary RFC 2046 forbids, a delimiter behind a bare CR,
# quoting readers take apart otherwise, and controls) is signed by
# openssl cms -sign and put into a multipart/signed; Python's email
# package and GMime (testdata/mime-view.py) and our parser (test-tool
# mime-view) each say what the message is: its entities, their types and
# encodings, the bytes of each leaf.
# - smime-verify says pass exactly where the three agree and the shape is
#   not one smime-verify(1) forbids outright; else permerror;
# - smime-sign of a message made of the shape's entity signs it (and then
#   the three agree on what it wrote and smime-verify passes) exactly
#   where smime-verify would pass the entity; else it refuses, exit 65.
# - the fixtures in testdata/attacks/mime (five such messages, signed
#   once): permerror, with the reason.
# Under valgrind, every fourth shape.
. "$(dirname "$0")/lib.sh"

pki=$testdir/pki
private_keys alice
ca="--no-system-ca --ca $pki/root-ca.pem"
gen=$testdir/mime-ambig.py
view=$testdir/mime-view.py

# GMime through GObject introspection: Debian's python3-gi may not be
# importable by the python3 on PATH (pyenv's, say).
gmpy=
for py in python3 /usr/bin/python3; do
	if "$py" -c 'import gi; gi.require_version("GMime", "3.0")
from gi.repository import GMime' 2>/dev/null; then
		gmpy=$py
		break
	fi
done
if [ -z "$gmpy" ]; then
	echo "Bail out! GMime for Python not found (python3-gi," \
	    "gir1.2-gmime-3.0: scripts/install-deps)"
	exit 1
fi

python3 "$gen" list >"$tmp/shapes"
if [ -n "${SMIME_TEST_VALGRIND-}" ]; then
	awk 'NR % 4 == 1' "$tmp/shapes" >"$tmp/s" && mv "$tmp/s" "$tmp/shapes"
fi
fixtures=$(ls "$testdir"/attacks/mime/*.eml)
plan $(($(wc -l <"$tmp/shapes") + $(grep -vc '^top-' "$tmp/shapes") +
    $(echo "$fixtures" | wc -l)))

verdict() { ar_result "$1" | sed 's/ .*//'; }
# views FILE: "agree", or which readers differ from ours.
views() {
	test-tool mime-view <"$1" >"$tmp/v.ours"
	python3 "$view" python "$1" >"$tmp/v.python"
	"$gmpy" "$view" gmime "$1" >"$tmp/v.gmime"
	_d=
	for r in python gmime; do
		cmp -s "$tmp/v.ours" "$tmp/v.$r" || _d="$_d $r"
	done
	_d=${_d# }
	echo "${_d:-agree}"
}

while read -r name forbidden; do
	python3 "$gen" entity "$name" >"$tmp/ent"
	openssl cms -sign -binary -outform DER -signer "$pki/alice.pem" \
	    -inkey "$tmp/alice.key" -certfile "$pki/sub-ca.pem" \
	    -in "$tmp/ent" -out "$tmp/sig"
	python3 "$gen" message "$name" "$tmp/sig" >"$tmp/m.eml"
	seen=$(views "$tmp/m.eml")
	smime-verify $ca <"$tmp/m.eml" >"$tmp/v.eml"
	want=permerror
	[ "$seen" = agree ] && [ "$forbidden" = - ] && want=pass
	check_eq "$name: readers: $seen; forbidden: $forbidden; $want" \
	    "$(verdict "$tmp/v.eml")" "$want"

	case $name in top-*) continue ;; esac
	{ printf 'From: alice@example.com\r\nSubject: %s\r\n' "$name"
	  cat "$tmp/ent"; } >"$tmp/in.eml"
	smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" \
	    --chain "$pki/sub-ca.pem" <"$tmp/in.eml" >"$tmp/s.eml" 2>"$tmp/err"
	rc=$?
	if [ $want = pass ]; then
		got="$rc $(views "$tmp/s.eml")"
		smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
		got="$got $(verdict "$tmp/v.eml")"
		check_eq "$name: smime-sign signs it, readers agree, pass" \
		    "$got" "0 agree pass"
	else
		check_eq "$name: smime-sign refuses it (65)" \
		    "$rc $(grep -c 'ambiguous MIME structure' "$tmp/err")" "65 1"
	fi
done <"$tmp/shapes"

for f in $fixtures; do
	smime-verify --policy signature <"$f" >"$tmp/v.eml"
	check_grep "fixture ${f##*/}: permerror" \
	    '^permerror \(ambiguous MIME structure: ' \
	    "$(ar_result "$tmp/v.eml" >"$tmp/r"; echo "$tmp/r")"
done

done_testing
