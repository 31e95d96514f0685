#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# What the fuzz targets found, kept: every input in testdata/fuzz-regress
# goes through smime-verify, smime-decrypt and smime-sign (with a key) and
# certstore add, and none of them may crash or, under ASan, leak (exit 86);
# what smime-sign wrote, smime-verify must not find failing (but for a
# signature the input carried: "inner signature").
#   certstore-cms-verify-leak.eml: OpenSSL 3.0's CMS_verify leaked the
#   memory BIO it copies a memory BIO's content into when CMS_dataInit
#   failed (certstore add of a signed message).
#   sign-bare-cr-at-end.eml ("M:\n\r"): the body's last byte, a bare CR,
#   went out before the boundary's LF and was read back as a line break
#   (sign_fuzz: "signature does not match").
#   sign-content-field-at-eof.eml ("-:\nContent-:"): the input ended in
#   a Content- field; its missing line end and the boundary's line break
#   were read back as the empty line that ends the header (sign_fuzz).
#   sign-field-ends-in-cr.eml ("M:\nContent-:\r"): the same with a CR
#   last, which LF line ends turned into a CRLF (sign_fuzz).
#   sign-empty-rfc822.eml: a message/rfc822 with nothing in it last; the
#   boundary's line break was read back as the empty line of the message
#   inside (sign_fuzz).
#   sign-close-delimiter-at-eof.eml: the input ended in a multipart's
#   close delimiter without a line break; the boundary's was read back as
#   the delimiter's (sign_fuzz).
#   sign-duplicate-to.eml: a user-facing field (To) given twice, which
#   smime-sign now refuses (65, "ambiguous header") before it copies the
#   header into the signed entity (RFC 9788); a fuzz run crashed on it.
. "$(dirname "$0")/lib.sh"
n=$(ls "$testdir/fuzz-regress" | wc -l)
plan $((n * 5))

private_keys alice
certstore -S "$tmp/store" init
for f in "$testdir"/fuzz-regress/*; do
	b=${f##*/}
	must_or_ok() {	# DESC CMD: exits, 0 or a clean failure, no crash
		( eval "$2" ) >/dev/null 2>"$tmp/.err"
		rc=$?
		! _crashed $rc
		_report $? "$1" "exit $rc: $(head -c 300 "$tmp/.err")"
	}
	must_or_ok "$b: smime-verify" 'smime-verify <"$f"'
	must_or_ok "$b: smime-decrypt" \
	    'smime-decrypt -k "$tmp/alice.key" -c "$testdir/pki/alice.pem" <"$f"'
	must_or_ok "$b: smime-sign" \
	    'smime-sign -k "$tmp/alice.key" -c "$testdir/pki/alice.pem" <"$f" >"$tmp/s.eml"'
	if [ "$rc" -eq 0 ]; then
		smime-verify --policy signature <"$tmp/s.eml" >"$tmp/v.eml"
		r=$(ar_result "$tmp/v.eml")
		case $r in
		"fail (inner signature"*) _r=0 ;;
		fail*) _r=1 ;;
		*) _r=0 ;;
		esac
		_report $_r "$b: what smime-sign wrote does not fail" "$r"
	else
		skip "$b: what smime-sign wrote does not fail" 'nothing signed'
	fi
	must_or_ok "$b: certstore add" 'certstore -S "$tmp/store" add "$f"'
done

done_testing
