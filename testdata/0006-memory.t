#!/bin/sh
# Bounded memory: a 64 MiB message (one base64 attachment) passes through
# smime-verify and smime-decrypt with a peak RSS under 16 MiB.  Not a
# timing test; the 1 GiB figure is measured by `make bench`.
. "$(dirname "$0")/lib.sh"
plan 6

{
	printf 'From: a@example.com\nSubject: big\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
	head -c 50331648 /dev/zero | base64
	printf '\n--b--\n'
} >"$tmp/big.eml"
size=$(wc -c <"$tmp/big.eml")

for t in smime-verify smime-decrypt; do
	ok "$t: 64 MiB pass-through" \
	    '/usr/bin/time -f %M -o "$tmp/rss" $t <"$tmp/big.eml" >"$tmp/out"'
	same=$(tail -c "$size" "$tmp/out" | cmp -s - "$tmp/big.eml" && echo same)
	check_eq "$t: output byte-exact under the header" "$same" same
	rss=$(cat "$tmp/rss")
	echo "# $t: peak RSS ${rss} KiB for $size bytes"
	case ${SMIME_TEST_BUILD-} in
	*-san)	skip "$t: peak RSS under 16 MiB" \
		    'ASan shadow memory; asserted by the plain build' ;;
	*)	[ "$rss" -lt 16384 ]
		_report $? "$t: peak RSS under 16 MiB" "peak RSS ${rss} KiB" ;;
	esac
done

done_testing
