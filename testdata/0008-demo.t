#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# make demo works, and shows what README promises: the request decrypted
# and verified, the sender's certificate harvested, the reply signed and
# encrypted to it and read back, the do-not-encrypt reply signed only,
# and a reply without a certificate refused.
. "$(dirname "$0")/lib.sh"
plan 7

ok 'scripts/demo runs' '"$testdir/../scripts/demo" "$SMIME_TEST_BUILD" >"$tmp/demo.out"'
o=$tmp/demo.out
# the forged field the customer sent, shown as sent, and three of ours
check_eq 'three signatures pass' "$(grep -c 'smime=pass$' "$o")" 4
check_eq 'two messages decrypted' "$(grep -c '^   | SMIME-Decrypt: .*result=pass' "$o")" 2
check_grep 'procmail delivered it' 'delivered: Maildir/new/' "$o"
check_grep 'and listed' '	-	alice@example.com$' "$o"
check_grep 'the customer reads the reply' '^   | Unplug it\.$' "$o"
check_grep 'no certificate: 67' '^   exit 67$' "$o"

done_testing
