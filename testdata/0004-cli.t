#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# The command-line contract every command shares: --help, --usage,
# --version, the exit codes of smimetools(7), one-line errors naming the
# command, stdin read to its end on every exit path.
. "$(dirname "$0")/lib.sh"
tools="smime-sign smime-verify smime-encrypt smime-decrypt certstore"
plan 76

printf 'From: a\n\nx\n' >"$tmp/m.eml"
head -c 2000000 /dev/zero | tr '\0' 'a' | fold -w 70 >"$tmp/big-body"
{ printf 'From: a\n\n'; cat "$tmp/big-body"; } >"$tmp/big.eml"
for t in $tools; do
	ok "$t --help" "$t --help"
	check_grep "$t --help lists the common options" '--authserv-id=ID' "$tmp/.out"
	ok "$t --usage" "$t --usage"
	ok "$t --version" "$t --version"
	check_grep "$t --version names it" "^$t \\(smimetools\\) [0-9]" "$tmp/.out"
	expect_code "$t: unknown option is 64" 64 "$t --no-such-option <\"$tmp/m.eml\""
	check_grep "$t: the error names the command" "^$t: --no-such-option" "$tmp/.err"
	expect_code "$t: bad --on-error value is 64" 64 "$t --on-error=sometimes verb <\"$tmp/m.eml\""
	# A writer into a failing command is never left blocked or killed:
	# the command reads its input to the end (maildrop, procmail).
	expect_code "$t: stdin drained on a usage error" 0 \
	    "{ head -c 3000000 /dev/zero; echo \$? >\"$tmp/w\"; } | $t --no-such-option; cat \"$tmp/w\""
	check_eq "$t: the writer finished" "$(cat "$tmp/.out")" 0
done

expect_code '-v with -q is 64' 64 'smime-verify -v -q <"$tmp/m.eml"'
expect_code 'bad authserv-id is 64' 64 'smime-verify --authserv-id "a;b" <"$tmp/m.eml"'
expect_code 'unexpected argument is 64' 64 'smime-verify extra <"$tmp/m.eml"'
expect_code 'missing -i file is 66' 66 'smime-verify -i "$tmp/nonexistent"'
check_grep '66 says which file' "cannot open '.*nonexistent'" "$tmp/.err"
expect_code '-o in a missing folder is 73' 73 \
    'smime-verify -o "$tmp/no/such/dir/out" <"$tmp/m.eml"'
expect_code '--on-error=tempfail: 66 becomes 75' 75 \
    'smime-verify --on-error=tempfail -i "$tmp/nonexistent"'
expect_code '--on-error=tempfail: an unknown option becomes 75' 75 \
    'smime-verify --on-error=tempfail --no-such-option <"$tmp/m.eml"'
expect_code '--on-error=tempfail: a missing argument becomes 75' 75 \
    'smime-verify --on-error=tempfail -i'
expect_code 'a bad --on-error value itself is 64' 64 \
    'smime-verify --on-error=bogus <"$tmp/m.eml"'
cp "$corpus/thunderbird-nss/smime/Alice.p12" "$tmp/alice.p12"
chmod 600 "$tmp/alice.p12"
expect_code 'smime-sign: empty input is 65' 65 \
    'smime-sign -p "$tmp/alice.p12" --passin pass:nss </dev/null'
expect_code '--on-error=tempfail keeps 65 (bad data)' 65 \
    'smime-verify --on-error=tempfail </dev/null'
expect_code 'smime-sign: no identity for a From without address: 78' 78 \
    'smime-sign <"$tmp/m.eml" >"$tmp/out"'
check_grep 'smime-sign says so' '^smime-sign: no identity: the message has no From address' "$tmp/.err"
expect_code 'certstore without a verb is 64' 64 'certstore'
expect_code 'certstore unknown verb is 64' 64 'certstore frobnicate'
expect_code 'certstore list without a store is 78' 78 'certstore list'

expect_code 'a full disk is transient: 75' 75 'smime-verify <"$tmp/big.eml" >/dev/full'

# popt aliases: a site gives a command its own defaults in ~/.popt.
printf 'smime-verify alias --helpdesk --authserv-id=help.example.org\n' >"$HOME/.popt"
ok 'popt alias from ~/.popt' 'smime-verify --helpdesk <"$tmp/m.eml"'
check_grep 'the alias took effect' '^Authentication-Results: help.example.org; smime=none' "$tmp/.out"
rm -f "$HOME/.popt"

# --limit: each name, its range; a limit that bites.
expect_code '--limit of no such name: 64' 64 'smime-verify --limit frobs=3 </dev/null'
expect_code '--limit 0: 64' 64 'smime-verify --limit depth=0 </dev/null'
expect_code '--limit over its cap: 64' 64 'smime-verify --limit signers=65 </dev/null'
awk 'BEGIN { print "From: a@example.com\nContent-Type: multipart/mixed; boundary=b0\n"
	for (i = 0; i < 5; i++) printf "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i, i + 1
	print "--b5\nContent-Type: application/pkcs7-mime; smime-type=signed-data\n\nMIIB\n" }' >"$tmp/deep.eml"
smime-verify <"$tmp/deep.eml" >"$tmp/out"
check_grep 'a signed part 6 deep is seen' 'smime=neutral' "$tmp/out"
smime-verify --limit depth=3 <"$tmp/deep.eml" >"$tmp/out"
check_grep '--limit depth=3: deeper is not looked into: permerror' \
    'smime=permerror \(nested deeper than 3\)' "$tmp/out"

# A closed reader: exit 74 with a message, not death by SIGPIPE.
expect_code 'closed stdout is 74' 74 \
    '{ smime-verify <"$tmp/big.eml"; echo $? >"$tmp/rc"; } | head -c 10 >/dev/null; exit $(cat "$tmp/rc")'

done_testing
