#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# make demo-ldap works and shows what it says: a signature harvested on
# gateway 1, the entry found by mail with its certificate, gateway 2
# finding it and encrypting the reply the customer reads, 75 and nothing
# written with the directory stopped; its slapd is gone afterwards.
. "$(dirname "$0")/lib.sh"
plan 9

ok 'scripts/demo-ldap runs' \
    '"$testdir/../scripts/demo-ldap" "$SMIME_TEST_BUILD" >"$tmp/demo.out"'
o=$tmp/demo.out
check_grep 'gateway 1: the signature passes' \
    '^   \| Authentication-Results: helpdesk\.example\.org; smime=pass$' "$o"
check_grep 'ldapsearch finds the entry by mail' '^   \| mail: alice@example\.com$' "$o"
check_grep '... with the certificate a client reads' \
    '^   \| userCertificate;binary:: MII' "$o"
check_grep 'gateway 2 finds her certificate' \
    '^   \| subject=O = smimetools test, CN = alice@example\.com$' "$o"
check_grep 'the reply is encrypted' \
    '^   \| Content-Type: application/pkcs7-mime; smime-type=(auth)?[eE]nveloped-data' "$o"
check_grep 'the customer reads it' '^   \| Unplug it\.$' "$o"
check_grep 'the directory stopped: 75, nothing written' \
    '^   exit 75, 0 bytes written$' "$o"
# Gone, or a zombie nobody has reaped yet (a subreaper's child).
pid=$(sed -n 's/.*(pid \([0-9]*\))$/\1/p' "$o")
state=gone
if [ -z "$pid" ]; then
	state='no pid shown'
elif [ -r "/proc/$pid/stat" ] &&
    [ "$(cut -d' ' -f3 "/proc/$pid/stat")" != Z ]; then
	state="running: $(cat "/proc/$pid/comm" 2>/dev/null)"
fi
check_eq 'its slapd is stopped' "$state" gone

done_testing
