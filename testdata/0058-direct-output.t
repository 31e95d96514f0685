#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# smime-sign and smime-encrypt write straight into -o's temporary file
# and into a regular stdout as they go (no spool to copy: make bench),
# and a failure takes back what they wrote; a pipe, or a file opened for
# appending, still gets the output only once it is whole.
#  - every kind of output gives a message that verifies / decrypts to the
#    original body;
#  - a stdout that held bytes before ours (a shell's { ...; } > f) keeps
#    them, ours after them;
#  - a disk that fills up while the output is written: exit 75, the
#    regular stdout cut back to where it was, -o's target untouched and
#    no temporary file left.
. "$(dirname "$0")/lib.sh"
plan 34

pki=$testdir/pki
private_keys alice
ca="--no-system-ca --ca $pki/root-ca.pem"
sign="-k $tmp/alice.key -c $pki/alice.pem --chain $pki/sub-ca.pem"
dec="-k $tmp/alice.key -c $pki/alice.pem"
# A message of about 600 KiB: more than the 512 KiB disk below holds.
{
	printf 'From: alice@example.com\nTo: alice@example.com\nSubject: big\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhello\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
	head -c 450000 /dev/urandom | base64
	printf '\n--b--\n'
} >"$tmp/m.eml"
body "$tmp/m.eml" >"$tmp/m.body"

# checks OP FILE WHAT: FILE holds a whole signed or encrypted message.
checks() {
	case $1 in
	sign)
		smime-verify $ca <"$2" >"$tmp/c.out"
		check_eq "$3: verifies" "$(ar_result "$tmp/c.out")" pass ;;
	encrypt)
		smime-decrypt $dec <"$2" >"$tmp/c.out"
		check_grep "$3: decrypts" 'result=pass' "$tmp/c.out"
		body "$tmp/c.out" >"$tmp/c.body"
		check_same "$3: the original body" "$tmp/c.body" "$tmp/m.body" ;;
	esac
}
for op in sign encrypt; do
	case $op in
	sign) cmd="smime-sign $sign" ;;
	encrypt) cmd="smime-encrypt -r $pki/alice.pem" ;;
	esac
	ok "$op: to a regular stdout" '$cmd <"$tmp/m.eml" >"$tmp/reg.eml"'
	checks $op "$tmp/reg.eml" "$op, regular stdout"
	ok "$op: into a pipe" '$cmd <"$tmp/m.eml" | cat >"$tmp/pipe.eml"'
	checks $op "$tmp/pipe.eml" "$op, pipe"
	ok "$op: -o" '$cmd -o "$tmp/o.eml" <"$tmp/m.eml"'
	checks $op "$tmp/o.eml" "$op, -o"
	printf 'before\n' >"$tmp/app.eml"
	ok "$op: appended (>>)" '$cmd <"$tmp/m.eml" >>"$tmp/app.eml"'
	check_eq "$op, appended: what was there stays" "$(head -1 "$tmp/app.eml")" before
	sed 1d "$tmp/app.eml" >"$tmp/app2.eml"
	checks $op "$tmp/app2.eml" "$op, appended"
done

# A stdout that is a file we did not open at its start: what it held
# before our bytes stays.
{ printf 'kept\n'; smime-sign $sign <"$tmp/m.eml"; } >"$tmp/pre.eml"
check_eq 'sign after other output: that output stays' "$(head -1 "$tmp/pre.eml")" kept
sed 1d "$tmp/pre.eml" >"$tmp/pre2.eml"
checks sign "$tmp/pre2.eml" 'sign after other output'

# A disk that fills up while the output is written.
mnt=$tmp/small
small_fs "$mnt" 512k
for op in sign encrypt; do
	case $op in
	sign) cmd="smime-sign $sign" ;;
	encrypt) cmd="smime-encrypt -r $pki/alice.pem" ;;
	esac
	if [ -n "$why" ]; then
		for d in 'stdout: 75' 'stdout: cut back' '-o: 75' \
		    '-o: target untouched' '-o: no temporary file left'; do
			skip "$op, full disk, $d" "$why"
		done
		continue
	fi
	expect_code "$op, full disk, stdout: 75" 75 \
	    '{ printf "kept\n"; $cmd <"$tmp/m.eml"; } >"$mnt/out.eml"'
	check_eq "$op, full disk, stdout: cut back to what was there" \
	    "$(cat "$mnt/out.eml")" kept
	rm -f "$mnt/out.eml"
	printf 'old\n' >"$mnt/o.eml"
	expect_code "$op, full disk, -o: 75" 75 \
	    '$cmd -o "$mnt/o.eml" <"$tmp/m.eml"'
	check_eq "$op, full disk, -o: target untouched" "$(cat "$mnt/o.eml")" old
	check_eq "$op, full disk, -o: no temporary file left" \
	    "$(ls -A "$mnt" | tr '\n' ' ')" 'o.eml '
	rm -f "$mnt/o.eml"
done
[ -z "$why" ] && umount "$mnt"

done_testing
