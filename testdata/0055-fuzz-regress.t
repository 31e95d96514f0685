#!/bin/sh
# What the fuzz targets found, kept: every input in testdata/fuzz-regress
# goes through smime-verify, smime-decrypt (with a key) and certstore add,
# and none of them may crash or, under ASan, leak (exit 86).
#   certstore-cms-verify-leak.eml: OpenSSL 3.0's CMS_verify leaked the
#   memory BIO it copies a memory BIO's content into when CMS_dataInit
#   failed (certstore add of a signed message).
. "$(dirname "$0")/lib.sh"
n=$(ls "$testdir/fuzz-regress" | wc -l)
plan $((n * 3))

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
	must_or_ok "$b: certstore add" 'certstore -S "$tmp/store" add "$f"'
done

done_testing
