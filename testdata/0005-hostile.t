#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Hostile shapes through the filters: each gets a clear result, exit 0
# (65 for empty input), no crash, and the message byte-exact under the
# result header.
. "$(dirname "$0")/lib.sh"
plan 32

# gen NAME: writes a hostile message to $tmp/NAME.eml
gen() {
	case $1 in
	deep)	# 5,000 nested multiparts, each closed properly
		awk 'BEGIN {
			for (i = 0; i < 5000; i++)
				printf "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i
			printf "Content-Type: text/plain\n\nhi\n"
			for (i = 4999; i >= 0; i--)
				printf "--b%d--\n", i
		}' ;;
	longline)	# a 16 MiB header line and no newline at all
		printf 'X-Long: '; head -c 16777216 /dev/zero | tr '\0' a ;;
	nul)	printf 'From: a\nSubject: a\000b\n\nbody \000 with NUL\n' ;;
	noclose)
		printf 'From: a\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nno close delimiter\n' ;;
	prefix)
		printf 'From: a\nContent-Type: multipart/mixed; boundary=abc\n\n--abc\nContent-Type: multipart/alternative; boundary=abcd\n\n--abcd\n\ninner\n--abcd--\n--abc\n\nsecond\n--abc--\n' ;;
	hdronly) printf 'From: a\nSubject: header, no body' ;;
	nosep)	printf 'From: a\nthis line is no field\nbody\n' ;;
	# A known first line: by chance, one random file in 256 would be a
	# bare CMS file (0x30 first: permerror) and one would end its first
	# line with CRLF (the header added would too).
	binary)	printf '\211\001binary\n'; head -c 100000 /dev/urandom ;;
	esac >"$tmp/$1.eml"
}

for shape in deep longline nul noclose prefix hdronly nosep binary; do
	gen $shape
	ok "smime-verify: $shape" \
	    'smime-verify <"$tmp/$shape.eml" >"$tmp/out"'
	# Past the depth limit nothing is looked into: permerror.
	case $shape in
	deep) res='permerror\n\t(nested deeper than 100)' ;;
	*) res=none ;;
	esac
	{ printf "Authentication-Results: mx.example.org; smime=$res\n"
	  cat "$tmp/$shape.eml"; } >"$tmp/expect"
	check_same "smime-verify: $shape: smime=${res%%\\*}, byte-exact" \
	    "$tmp/out" "$tmp/expect"
	ok "smime-decrypt: $shape" \
	    'smime-decrypt <"$tmp/$shape.eml" >"$tmp/out"'
	tail -c "$(wc -c <"$tmp/$shape.eml")" "$tmp/out" >"$tmp/rest"
	check_same "smime-decrypt: $shape: byte-exact under the header" \
	    "$tmp/rest" "$tmp/$shape.eml"
done

done_testing
