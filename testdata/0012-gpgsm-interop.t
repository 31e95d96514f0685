#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Interoperability with gpgsm (GnuPG's S/MIME engine, the one KMail and
# Kleopatra use), in a throwaway GNUPGHOME under $tmp, per the recipe in
# pki/README:
#  (a) gpgsm verifies what smime-sign makes: RSA detached and opaque, EC
#      (carol, P-256) detached, RSA-PSS;
#  (b) smime-verify gives pass to what gpgsm signs, wrapped as mail
#      (multipart/signed and application/pkcs7-mime signed-data).
# Known gpgsm (2.2.40) limits, not ours: it cannot read OpenSSL 3's default
# PKCS#12 (so alice-legacy.p12 is imported), and importing
# carol-legacy.p12 (EC key) makes it crash with SIGSEGV, so gpgsm signs with
# alice only; carol's certificate reaches gpgsm inside our signature.
. "$(dirname "$0")/lib.sh"
plan 27

if ! command -v gpgsm >/dev/null 2>&1 || ! command -v gpgconf >/dev/null 2>&1
then
	i=0
	while [ $i -lt 27 ]; do
		skip "gpgsm interop $i" 'gpgsm (GnuPG) is not installed'
		i=$((i + 1))
	done
	exit 0
fi

pki=$testdir/pki
private_keys alice carol
GNUPGHOME=$tmp/gnupg
export GNUPGHOME
mkdir -m 700 "$GNUPGHOME"
# The agent started for this home dies with it, whatever way we leave.
trap 'gpgconf --kill all >/dev/null 2>&1; rm -rf "$tmp"' EXIT
pin='--batch --pinentry-mode loopback --passphrase-fd 0'

# gpgsm's verdict: good only with GOODSIG and VALIDSIG and no BADSIG/ERRSIG.
good() {	# good STATUSFILE STDERRFILE: else both go to stderr
	grep -q '^\[GNUPG:\] GOODSIG ' "$1" &&
	    grep -q '^\[GNUPG:\] VALIDSIG ' "$1" &&
	    ! grep -Eq '^\[GNUPG:\] (BADSIG|ERRSIG) ' "$1" && return 0
	cat "$1" "$2" >&2
	return 1
}
# The first body part of a multipart/signed, as signed: its lines between
# the first two delimiters, CRLF-canonical, without the line end that
# belongs to the closing delimiter (RFC 2046 5.1.1, RFC 8551 3.1.1).
first_part() {	# first_part FILE
	_b=$(sed -n 's/.*boundary="\([^"]*\)".*/\1/p' "$1" | head -1)
	awk -v b="--$_b" 'BEGIN { ORS = "" } { sub(/\r$/, "") }
	    $0 == b { if (n++) exit; next }
	    n == 1 { if (k++) print "\r\n"; print }' "$1"
}
# The CMS of a signed message, DER (openssl cms reads S/MIME as input).
cms_of() {	# cms_of MESSAGE OUT
	openssl cms -cmsout -in "$1" -outform DER -out "$2"
}
verdict() {	# the result word (and comment) of our Authentication-Results
	ar_result "$1"
}

echo disable-crl-checks >"$GNUPGHOME/gpgsm.conf"
ok 'gpgsm imports the test root and sub CA' \
    'gpgsm --batch --import "$pki/root-ca.pem" "$pki/sub-ca.pem"'
ok "gpgsm imports alice's legacy PKCS#12" \
    'echo test | gpgsm $pin --import "$pki/alice-legacy.p12"'
echo "$(openssl x509 -in "$pki/root-ca.pem" -noout -fingerprint -sha1 | sed 's/.*=//') S" \
    >"$GNUPGHOME/trustlist.txt"
gpgsm --with-colons --with-validation --list-keys alice@example.com \
    >"$tmp/keys" 2>/dev/null
check_grep "gpgsm validates alice's certificate (trusted root)" '^crt:f:' \
    "$tmp/keys"

msg() {	# msg FROM
	printf 'From: %s\nTo: help@example.org\nSubject: interop\nMessage-ID: <2@example.com>\nContent-Type: text/plain; charset=us-ascii\n\nhello\nworld\n' "$1"
}

# (a) smime-sign's signatures, checked by gpgsm.
msg alice@example.com >"$tmp/a.eml"
ok 'smime-sign alice detached' \
    'smime-sign -k "$tmp/alice.key" -c "$pki/alice.pem" --chain "$pki/sub-ca.pem" <"$tmp/a.eml" >"$tmp/sd.eml"'
cms_of "$tmp/sd.eml" "$tmp/sd.p7s"
first_part "$tmp/sd.eml" >"$tmp/sd.data"
gpgsm --status-fd 1 --verify "$tmp/sd.p7s" "$tmp/sd.data" >"$tmp/st" 2>"$tmp/gerr"
ok 'gpgsm --verify: alice detached is good (data: first part, CRLF)' 'good "$tmp/st" "$tmp/gerr"'
# gpgsm hashes the data file as it is: it wants the canonical CRLF form,
# the bytes as LF are (rightly) a bad signature.
sed 's/\r$//' "$tmp/sd.data" >"$tmp/sd.lf"
gpgsm --status-fd 1 --verify "$tmp/sd.p7s" "$tmp/sd.lf" >"$tmp/st" 2>/dev/null
check_grep 'gpgsm: the same data with LF line ends is BADSIG' \
    '^\[GNUPG:\] BADSIG ' "$tmp/st"

ok 'smime-sign alice opaque' \
    'smime-sign --opaque -k "$tmp/alice.key" -c "$pki/alice.pem" --chain "$pki/sub-ca.pem" <"$tmp/a.eml" >"$tmp/so.eml"'
sed '1,/^$/d' "$tmp/so.eml" | openssl base64 -d >"$tmp/so.p7m"
gpgsm --status-fd 1 --verify -o "$tmp/so.out" "$tmp/so.p7m" >"$tmp/st" 2>"$tmp/gerr"
ok 'gpgsm --verify: alice opaque is good' 'good "$tmp/st" "$tmp/gerr"'
# The entity: the header's copy (RFC 9788 Injected Headers, hp="clear"),
# the Content-Type, the body, in CRLF.
{ sed '/^$/q' "$tmp/a.eml" | grep -v -e '^$' -e '^Content-'
  printf 'Content-Type: text/plain; charset=us-ascii;\n\thp="clear"\n\nhello\nworld\n'
} | sed 's/$/\r/' >"$tmp/so.want"
check_same 'gpgsm: the opaque content is the CRLF entity' "$tmp/so.out" "$tmp/so.want"

msg carol@example.com >"$tmp/c.eml"
ok 'smime-sign carol (ECDSA P-256) detached' \
    'smime-sign -k "$tmp/carol.key" -c "$pki/carol.pem" --chain "$pki/sub-ca.pem" <"$tmp/c.eml" >"$tmp/sc.eml"'
cms_of "$tmp/sc.eml" "$tmp/sc.p7s"
first_part "$tmp/sc.eml" >"$tmp/sc.data"
gpgsm --status-fd 1 --verify "$tmp/sc.p7s" "$tmp/sc.data" >"$tmp/st" 2>"$tmp/gerr"
ok 'gpgsm --verify: carol (ECDSA) detached is good' 'good "$tmp/st" "$tmp/gerr"'

ok 'smime-sign alice --pss detached' \
    'smime-sign --pss -k "$tmp/alice.key" -c "$pki/alice.pem" --chain "$pki/sub-ca.pem" <"$tmp/a.eml" >"$tmp/sp.eml"'
cms_of "$tmp/sp.eml" "$tmp/sp.p7s"
openssl cms -cmsout -print -inform DER -in "$tmp/sp.p7s" >"$tmp/sp.txt"
check_grep 'the --pss signature is RSASSA-PSS' 'rsassaPss' "$tmp/sp.txt"
first_part "$tmp/sp.eml" >"$tmp/sp.data"
gpgsm --status-fd 1 --verify "$tmp/sp.p7s" "$tmp/sp.data" >"$tmp/st" 2>"$tmp/gerr"
ok 'gpgsm --verify: alice RSA-PSS detached is good' 'good "$tmp/st" "$tmp/gerr"'
# ... and gpgsm really checks PSS: one changed byte is BADSIG.
sed 's/world/w0rld/' "$tmp/sp.data" >"$tmp/sp.bad"
gpgsm --status-fd 1 --verify "$tmp/sp.p7s" "$tmp/sp.bad" >"$tmp/st" 2>/dev/null
check_grep 'gpgsm: RSA-PSS over altered data is BADSIG' '^\[GNUPG:\] BADSIG ' \
    "$tmp/st"

# (b) gpgsm's signatures, checked by smime-verify.  gpgsm signs with
# SHA-256 by default (micalg=sha-256); -1 includes the whole chain but the
# root.
printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nhello from gpgsm\r\nworld\r\n' >"$tmp/g.data"
ok 'gpgsm --detach-sign as alice' \
    'echo test | gpgsm $pin -u alice@example.com --include-certs -1 --detach-sign -o "$tmp/g.p7s" "$tmp/g.data"'
ok 'gpgsm --sign (opaque) as alice' \
    'echo test | gpgsm $pin -u alice@example.com --include-certs -1 --sign -o "$tmp/g.p7m" "$tmp/g.data"'
openssl cms -cmsout -print -inform DER -in "$tmp/g.p7s" >"$tmp/g.txt"
check_grep "gpgsm's detached signature has no eContent" 'eContent: <ABSENT>' \
    "$tmp/g.txt"

hdr='From: alice@example.com\nTo: help@example.org\nSubject: from gpgsm\nMessage-ID: <3@example.com>\nMIME-Version: 1.0\n'
# multipart/signed: the entity, then the line end that belongs to the
# delimiter, then the signature part.
{ printf "$hdr"
  printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;\n\tboundary="gpgsm-b"\n\nThis is an S/MIME signed message.\n\n--gpgsm-b\n'
  sed 's/\r$//' "$tmp/g.data"
  printf '\n--gpgsm-b\nContent-Type: application/pkcs7-signature; name=smime.p7s\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=smime.p7s\n\n'
  openssl base64 -in "$tmp/g.p7s"
  printf -- '--gpgsm-b--\n'; } >"$tmp/gd.eml"
ca="--no-system-ca --ca $pki/root-ca.pem"
ok 'smime-verify reads the gpgsm multipart/signed' \
    'smime-verify $ca <"$tmp/gd.eml" >"$tmp/v.eml"'
check_eq 'gpgsm detached (multipart/signed): pass' "$(verdict "$tmp/v.eml")" pass
check_grep 'gpgsm detached: signer alice' 'body.smime-identifier=alice@example.com' \
    "$tmp/v.eml"
crlf "$tmp/gd.eml" >"$tmp/gd-crlf.eml"
smime-verify $ca <"$tmp/gd-crlf.eml" >"$tmp/v.eml"
check_eq 'gpgsm detached, as CRLF mail: pass' "$(verdict "$tmp/v.eml")" pass
sed 's/^hello from gpgsm$/hello from mallory/' "$tmp/gd.eml" >"$tmp/gd-bad.eml"
smime-verify $ca <"$tmp/gd-bad.eml" >"$tmp/v.eml"
check_eq 'gpgsm detached, body altered: fail' "$(verdict "$tmp/v.eml")" \
    'fail (signature does not match)'

{ printf "$hdr"
  printf 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=smime.p7m\n\n'
  openssl base64 -in "$tmp/g.p7m"; } >"$tmp/go.eml"
ok 'smime-verify reads the gpgsm application/pkcs7-mime' \
    'smime-verify $ca <"$tmp/go.eml" >"$tmp/v.eml"'
check_eq 'gpgsm opaque (signed-data): pass' "$(verdict "$tmp/v.eml")" pass
check_grep 'gpgsm opaque: unwrapped' '^hello from gpgsm' "$tmp/v.eml"
check_nogrep 'gpgsm opaque: the wrapper is gone' 'pkcs7-mime' "$tmp/v.eml"

gpgconf --kill all
done_testing
