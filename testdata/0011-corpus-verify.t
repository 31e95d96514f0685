#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# smime-verify over every message of corpus/MANIFEST.md whose outermost
# layer is a signature: multipart/signed, opaque signed, "encrypted, then
# signed", nested signatures (42 messages) and signed raw CMS (5 objects).
#
# For each message: smime-verify exits 0 and writes exactly one
# Authentication-Results of our authserv-id; then the exact smime= result
# (with its comment where that is the point) that the MANIFEST's "expected
# (source tests)" column implies, with that folder's CA as --ca and always
# --no-system-ca.  --policy signature gives the cryptographic verdict,
# --policy chain (the default) the policy verdict; both are asserted where
# both say something.  Comments say why a policy was picked.
#
# Time: the corpus' certificates have their own validity periods and the
# chain verdicts are "valid now" (smime-verify(1) Policies).  Many are
# long expired, and policy (expired) is then the right answer.  Passes
# that will turn into policy (expired) later: simple-java-mail (signer
# and CA) 2029-04-24, thunderbird-nss (Alice, Dave) 2031-01-26;
# protected-headers and the RFC 9216 certificates 2052.
#
# Known gaps, asserted as such so that this test changes when they close:
#  - a bare detached signature (.p7s without its content, #71): there is
#    no content to check it over: permerror (no signed content).
#  - signer certificates that the message does not carry (KMail/gpgsm
#    include none; smime-signed-charset): the corpus publishes none of
#    them, so neither --certfile nor a store can supply one (0083 tests
#    both with our own): permerror (signer certificate not found).
#    lamps-examples-cms' #68 (Alice's RSA and Carlos' Ed25519 signer, no
#    certificates) is the exception: RFC 9216 publishes both, and with
#    them as --certfile it passes.
# Ed25519 (RFC 8419; Carlos in lamps-examples-cms, #68, #71, #72) is
# checked by smime-verify itself (OpenSSL 3.0's CMS_verify cannot): pass,
# and fail once a byte of the content is changed.
. "$(dirname "$0")/lib.sh"
plan 125

c=$corpus
tb="--ca $c/thunderbird-nss/smime/TestCA.pem"
sjm="--ca $c/simple-java-mail/pkcs12/ca.crt"
bc="--ca $c/bouncycastle/validator.root.crt"
mk="--ca $c/mimekit/UnitTests/TestData/smime/StartComCertificationAuthority.crt --ca $c/mimekit/UnitTests/TestData/smime/StartComClass1PrimaryIntermediateClientCA.crt"
ph="--ca $c/protected-headers/sample-ca.pem"
lamps="--ca $c/rfc9216-certs/Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem --ca $c/rfc9216-certs/Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem"
kde=''	# KMail (gpgsm) puts no certificate into its signatures
none=''

# run FILE POLICY [CA options]: smime-verify a corpus file into $tmp/v.eml.
run() {
	_f=$1 _p=$2
	shift 2
	smime-verify --no-system-ca --policy "$_p" "$@" <"$c/$_f" >"$tmp/v.eml" \
	    2>"$tmp/v.err"
	rc=$?
}
# The result of our Authentication-Results, unfolded: "pass",
# "policy (expired)", ... (the properties after it cut off).
verdict() {
	ar_result "${1:-$tmp/v.eml}"
}
ours() {	# how many Authentication-Results of our id, any spelling
	grep -Eci '^Authentication-Results:[[:space:]]*mx\.example\.org[[:space:]]*;' \
	    "$tmp/v.eml"
}
# m N FILE CA POLICY WANT [POLICY WANT]...: MANIFEST row N.  The first run
# also asserts exit 0 and one header of ours.
m() {
	_row=$1 _file=$2 _ca=$3
	shift 3
	_first=1
	while [ $# -gt 0 ]; do
		run "$_file" "$1" $_ca
		if [ $_first = 1 ]; then
			check_eq "#$_row: exit 0, one Authentication-Results of ours" \
			    "$rc $(ours)" "0 1"
			_first=0
		fi
		check_eq "#$_row $(basename "$_file") --policy $1: $2" \
		    "$(verdict)" "$2"
		shift 2
	done
}

### thunderbird-nss (NSS test suite; CA smime/TestCA.pem, to 2076; Alice
### and Dave to 2031-01-26; From matches the signers' addresses).
T=thunderbird-nss/smime
# TB rejects SHA-1 by its own policy; the signature is intact.
# smime-verify(1) rejects SHA-1 only under strict, which also wants a CRL,
# and there is no CRL for the NSS test CA (nor its key to make one): under
# strict the result must not be pass.  (It is "policy (weak algorithm)":
# smime-verify(1) reports a reason no later run can cure before a missing
# CRL.)
m 1 $T/alice.dsig.SHA1.multipart.eml "$tb" signature pass chain pass
run $T/alice.dsig.SHA1.multipart.eml strict $tb
check_nogrep '#1 SHA-1 under --policy strict: not pass' 'smime=pass' "$tmp/v.eml"
m 2 $T/alice.dsig.SHA256.multipart.bad.eml "$tb" chain \
    'fail (signature does not match)'
m 3 $T/alice.dsig.SHA256.multipart.eml "$tb" chain pass
# the SignedData carries content of its own, not the first part
m 5 $T/alice.dsig.SHA256.multipart.mismatch-econtent.eml "$tb" chain \
    'fail (signature carries other content)'
m 6 $T/alice.dsig.SHA384.multipart.eml "$tb" chain pass
m 7 $T/alice.dsig.SHA512.multipart.eml "$tb" chain pass
# encrypt-then-sign: TB does not report the outer signature, which does not
# verify (OpenSSL: verification failure too)
m 8 $T/alice.env.dsig.SHA256.multipart.eml "$tb" chain \
    'fail (signature does not match)'
# Dave opaque( Alice opaque( enveloped for Bob )): the outer layer is
# valid; its unwrapped content is Alice's layer, valid too, but From is
# Dave, so under chain Alice's layer is an address mismatch.
m 10 $T/alice.env.sig.SHA256.opaque.dave.sig.SHA256.opaque.eml "$tb" chain pass
smime-verify --no-system-ca $tb <"$tmp/v.eml" >"$tmp/v2.eml"
check_eq '#10 inner layer (Alice), --policy chain: address mismatch (From: Dave)' \
    "$(verdict "$tmp/v2.eml")" 'policy (address mismatch)'
smime-verify --no-system-ca $tb --policy signature <"$tmp/v.eml" >"$tmp/v2.eml"
check_eq '#10 inner layer (Alice), --policy signature: pass' \
    "$(verdict "$tmp/v2.eml")" pass
# encrypt-then-sign, opaque: TB shows no signature at the top (sig=false),
# a display choice; the signature is valid and covers the whole body, so
# pass, and the unwrapped body is the enveloped part, for smime-decrypt.
m 11 $T/alice.env.sig.SHA256.opaque.eml "$tb" chain pass
check_grep '#11 unwrapped to the enveloped-data' 'smime-type=enveloped-data' \
    "$tmp/v.eml"
# TB rejects it for its signing time (this copy differs from #3 only in a
# Date header 6 hours after the signingTime); smime-verify(1) has no
# signing-time rule for the verdict, and the signature is the one of #3.
m 12 $T/alice.future.dsig.SHA256.multipart.eml "$tb" chain pass
m 13 $T/alice.html.sig.SHA256.opaque.eml "$tb" chain pass
# Dave multipart/signed around Alice multipart/signed, both valid: TB says
# not good by its own policy; smime-verify(1): pass when every signature
# is valid.  (smime-verify checks every layer: see the last assertions.)
m 14 $T/alice.plain.dsig.SHA256.multipart.dave.dsig.SHA256.multipart.eml "$tb" \
    chain pass
# as #1
m 15 $T/alice.sig.SHA1.opaque.eml "$tb" signature pass chain pass
run $T/alice.sig.SHA1.opaque.eml strict $tb
check_nogrep '#15 SHA-1 under --policy strict: not pass' 'smime=pass' "$tmp/v.eml"
m 16 $T/alice.sig.SHA256.opaque.eml "$tb" chain pass
# the outer signature is deliberately wrong
m 24 thunderbird-nss/smime-manual/outer-smime-bad-sig-inner-smime-enc.eml "$tb" \
    chain 'fail (signature does not match)'
# micalg=sha-1 but SHA-512; neither signature matches (OpenSSL agrees)
m 25 thunderbird-nss/browser-smime/nested-sigs.eml "$tb" chain \
    'fail (signature does not match)'

### simple-java-mail (CA pkcs12/ca.crt, for Benny Bottema's test key only).
m 26 'simple-java-mail/pkcs12/test messages/S_MIME test message signed.eml' \
    "$sjm" chain pass
# Real Outlook messages: valid signatures (signature), but their Actalis
# root is not in the corpus and a root carried by the message is no
# anchor: chain says untrusted (the signers also expired in 2019/2022).
m 29 'simple-java-mail/test-messages/SMIME (signed and clear text).eml' \
    "$sjm" signature pass chain 'policy (untrusted)'
m 30 'simple-java-mail/test-messages/#486 TestValidSignedMimeMessage.eml' \
    "$sjm" signature pass chain 'policy (untrusted)'

### bouncycastle (CA validator.root.crt, expired 2016-08-23, for the
### validator.* messages only; the others chain to CAs not in the corpus,
### so only --policy signature says something about them).
# BC's test finds this signature invalid (it only checks that no digest
# exception is thrown); OpenSSL verifies it, and a digest over the
# canonical form that matches cannot be an accident: pass.
m 31 bouncycastle/3nnn_smime.eml "$bc" signature pass
# valid signature, circular certificate path: untrusted
m 32 bouncycastle/circular.eml "$bc" signature pass chain 'policy (untrusted)'
m 34 bouncycastle/embeddedmulti.message "$bc" signature pass
m 35 bouncycastle/extra-nl.eml "$bc" signature pass
m 36 bouncycastle/multi-alternative.eml "$bc" signature pass
# RSA-PSS with a 222-byte salt
m 37 bouncycastle/openssl-signed-sha256-non-default-salt-length.eml "$bc" \
    signature pass
m 39 bouncycastle/qp-soft-break.eml "$bc" signature pass
m 40 bouncycastle/quotable.message "$bc" signature pass
# The SignedMailValidator set (2006): every signature is good; BC checks
# the certificates at the signing time, we check them now, when the root
# and every signer have expired.  So: expired, except where another fault
# is found first.
m 44 bouncycastle/validator.expired.eml "$bc" signature pass \
    chain 'policy (expired)'
m 45 bouncycastle/validator.extKeyUsage.eml "$bc" signature pass \
    chain 'policy (key usage)'
m 46 bouncycastle/validator.keyUsage.eml "$bc" signature pass \
    chain 'policy (key usage)'
# no address in the certificate: no identifier property; under chain the
# expiry is found before the address
m 47 bouncycastle/validator.noEmail.eml "$bc" signature pass
check_nogrep '#47 no address in the certificate: no smime-identifier' \
    'smime-identifier' "$tmp/v.eml"
run bouncycastle/validator.noEmail.eml chain $bc
check_eq '#47 validator.noEmail.eml --policy chain: policy (expired)' \
    "$(verdict)" 'policy (expired)'
# not yet valid at its signing time, long expired now
m 48 bouncycastle/validator.notYetValid.eml "$bc" signature pass \
    chain 'policy (expired)'
# revoked: strict with the folder's CRL (DER, no nextUpdate) as a CA file
openssl crl -inform DER -in "$c/bouncycastle/validator.revoked.crl" \
    -out "$tmp/bc-crl.pem"
cat "$c/bouncycastle/validator.root.crt" "$tmp/bc-crl.pem" >"$tmp/bc-ca-crl.pem"
m 49 bouncycastle/validator.revoked.eml "$bc" signature pass \
    chain 'policy (expired)'
run bouncycastle/validator.revoked.eml strict --ca "$tmp/bc-ca-crl.pem"
check_eq '#49 validator.revoked.eml --policy strict with the CRL: policy (revoked)' \
    "$(verdict)" 'policy (revoked)'
# RSA-512: valid for BC (with a notice); expired now
m 50 bouncycastle/validator.shortKey.eml "$bc" signature pass \
    chain 'policy (expired)'
m 51 bouncycastle/validator.validMail.eml "$bc" signature pass \
    chain 'policy (expired)'

### kde-mimetreeparser (mbox files; no CA, no certificates in KMail's
### signatures).
m 57 kde-mimetreeparser/testdata/smime-opaque-sign.mbox "$kde" signature \
    'permerror (signer certificate not found)'
check_grep '#57 the mbox From line stays first' '^From test@example.com ' \
    "$tmp/v.eml"
# "modified mail, signature is not valid!"
m 59 kde-mimetreeparser/testdata/smime-signed-apple.mbox "$kde" chain \
    'fail (signature does not match)'
# the signer's certificate is published nowhere: unverifiable
m 60 kde-mimetreeparser/testdata/smime-signed-charset.mbox "$kde" signature \
    'permerror (signer certificate not found)'

### mimekit (StartCom root and intermediate; the signer expired 2014-11).
m 63 mimekit/UnitTests/TestData/smime/thunderbird-signed.txt "$mk" \
    signature pass chain 'policy (expired)'

### protected-headers (CA sample-ca.pem, to 2052).
m 74 protected-headers/smime-multipart-signed.eml "$ph" chain pass
m 75 protected-headers/smime-onepart-signed.eml "$ph" chain pass

### openssl: an empty digestAlgorithms SET must fail cleanly: a malformed
### structure, permerror (whatever OpenSSL's words for it).
run openssl/test/smime-eml/pkcs7-empty-digest-set.eml chain
check_eq '#78: exit 0, one Authentication-Results of ours' "$rc $(ours)" "0 1"
check_grep '#78 pkcs7-empty-digest-set.eml: permerror' \
    '^Authentication-Results: mx\.example\.org; smime=permerror' "$tmp/v.eml"

### lamps-examples-cms: signed raw CMS, given bare (DER .p7m files).
B=lamps-examples-cms/binary-files
bare() {	# bare NUM FILE WANT: the result of a bare CMS object
	smime-verify --no-system-ca --policy signature $lamps <"$c/$B/$2.p7m" >"$tmp/v.eml"
	ar_result "$tmp/v.eml" >"$tmp/h"
	check_grep "#$1 $2.p7m (bare CMS): $3" "^$3" "$tmp/h"
}
bare 68 signedByAliceAndCarlosNoCerts 'permerror +\(signer certificate not found'
bare 69 signedByAliceRSA pass
check_grep '#69 bare: unwrapped to its content' '^This is some sample content' "$tmp/v.eml"
bare 70 signedByAliceRSAPSS pass
bare 71 signedByCarlosDetached 'permerror +\(no signed content'
bare 72 signedByCarlosEd25519 pass
bare 66 encryptedForBobAndDana 'none +\(encrypted'
# The same objects wrapped by this test into S/MIME messages.
opaque() {	# opaque FROM P7M: an application/pkcs7-mime message
	printf 'From: %s\nSubject: wrapped\nMIME-Version: 1.0\nContent-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\nContent-Transfer-Encoding: base64\n\n' "$1"
	openssl base64 -in "$2"
}
detached() {	# detached FROM P7S: multipart/signed over the 28 bytes
	printf 'From: %s\nSubject: wrapped\nMIME-Version: 1.0\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-512; boundary=b\n\n--b\r\nThis is some sample content.\r\n--b\nContent-Type: application/pkcs7-signature\nContent-Transfer-Encoding: base64\n\n' "$1"
	openssl base64 -in "$2"
	printf -- '--b--\n'
}
wrapped() {	# wrapped DESC WANT MESSAGE-FILE [options]; WANT without a
		# comment compares the result word only
	_d=$1 _w=$2 _mf=$3
	shift 3
	smime-verify --no-system-ca $lamps "$@" <"$_mf" >"$tmp/v.eml"
	case $_w in
	*' '*)	check_eq "$_d" "$(verdict)" "$_w" ;;
	*)	check_grep "$_d" \
		    "^Authentication-Results: mx\\.example\\.org; smime=$_w( |\$)" \
		    "$tmp/v.eml" ;;
	esac
}
opaque alice@smime.example "$c/$B/signedByAliceRSA.p7m" >"$tmp/w.eml"
wrapped '#69 signedByAliceRSA, wrapped: pass' pass "$tmp/w.eml"
opaque alice@smime.example "$c/$B/signedByAliceRSAPSS.p7m" >"$tmp/w.eml"
wrapped '#70 signedByAliceRSAPSS, wrapped: pass' pass "$tmp/w.eml"
opaque carlos@smime.example "$c/$B/signedByCarlosEd25519.p7m" >"$tmp/w.eml"
wrapped '#72 signedByCarlosEd25519, wrapped: pass (chain to the LAMPS Ed25519 CA)' \
    pass "$tmp/w.eml"
# The same with one byte of its content changed ("sample" -> "simple").
perl -0777 -pe 's/some sample/some simple/' "$c/$B/signedByCarlosEd25519.p7m" >"$tmp/72x.p7m"
opaque carlos@smime.example "$tmp/72x.p7m" >"$tmp/w.eml"
wrapped '#72 with its content changed: fail' \
    'fail (signature does not match)' "$tmp/w.eml"
opaque alice@smime.example "$c/$B/signedByAliceAndCarlosNoCerts.p7m" >"$tmp/w.eml"
wrapped '#68 signedByAliceAndCarlosNoCerts, wrapped: permerror (the signer certificates are nowhere)' \
    'permerror (signer certificate not found)' "$tmp/w.eml" --policy signature
r9216=$c/rfc9216-certs
wrapped '#68 with Carlos'"'"' certificate only: permerror (Alice'"'"'s is nowhere)' \
    'permerror (signer certificate not found)' "$tmp/w.eml" --policy signature \
    --certfile "$r9216/carlos@smime.example.sig.pem"
wrapped '#68 with Alice'"'"'s and Carlos'"'"' certificates (--certfile): RSA and Ed25519 signers, pass' \
    pass "$tmp/w.eml" --policy signature \
    --certfile "$r9216/alice@smime.example.sig.pem" \
    --certfile "$r9216/carlos@smime.example.sig.pem"
# Detached: first a control, an RSA signature over the same 28 bytes in the
# same wrapping, which must pass; then Carlos' Ed25519 one, which must
# too, and fail over other content.
cp "$testdir/pki/alice.key" "$tmp/alice.key"
chmod 600 "$tmp/alice.key"
printf 'This is some sample content.' >"$tmp/28.txt"
openssl cms -sign -binary -signer "$testdir/pki/alice.pem" -inkey "$tmp/alice.key" \
    -in "$tmp/28.txt" -outform DER -out "$tmp/28.p7s"
detached alice@example.com "$tmp/28.p7s" >"$tmp/w.eml"
wrapped 'control: RSA detached over the 28 bytes, same wrapping: pass' pass \
    "$tmp/w.eml" --policy signature
detached carlos@smime.example "$c/$B/signedByCarlosDetached.p7m" >"$tmp/w.eml"
wrapped '#71 signedByCarlosDetached, wrapped: pass' pass "$tmp/w.eml"
sed 's/some sample/some simple/' "$tmp/w.eml" >"$tmp/w71x.eml"
wrapped '#71 over other content: fail' 'fail (signature does not match)' \
    "$tmp/w71x.eml"

### A nested signature that does not verify inside one that does: #2
### (Alice's altered message) signed as a whole by the test PKI's alice.
### smime-verify(1): pass only when every signature is valid.
pki=$testdir/pki
for mode in '' --opaque; do
	smime-sign $mode -k "$tmp/alice.key" -c "$pki/alice.pem" --chain "$pki/sub-ca.pem" \
	    <"$c/$T/alice.dsig.SHA256.multipart.bad.eml" >"$tmp/n.eml"
	smime-verify --no-system-ca --ca "$pki/root-ca.pem" $tb <"$tmp/n.eml" >"$tmp/v.eml"
	check_nogrep "#2 re-signed ${mode:-detached} by a valid outer signature: not pass" \
	    'smime=pass' "$tmp/v.eml"
done

done_testing
