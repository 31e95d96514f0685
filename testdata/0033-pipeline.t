#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# The four filters in a row, as smimetools(7) composes them:
#   smime-sign | smime-encrypt | smime-decrypt | smime-verify
# for an RSA pair (alice signs, the help desk decrypts; PKCS#1 v1.5) and
# an EC pair (carol signs with ECDSA P-256, dave decrypts with ECDH
# P-384), LF and CRLF input, detached (verify --unwrap) and opaque
# signatures, AES-CBC and AES-GCM.  The end result must be the original:
# smime=pass, SMIME-Decrypt pass with the cipher asked for, the original
# Content-Type and body byte for byte, the routing header unchanged.
#
# Then the store (certstore(5)): the reference deployment's reply path
# (smime-sign --as, smime-encrypt to the To address and --as ourselves,
# smime-decrypt with the store's identities), cipher auto from the
# SMIMECapabilities smime-verify --import recorded, Bcc recipients
# encrypted to but never named, --missing=fail, and SMIME-Encrypt: no.
. "$(dirname "$0")/lib.sh"
plan 100

pki=$testdir/pki
private_keys alice bob carol dave helpdesk
ca="--no-system-ca --ca $pki/root-ca.pem"

fp() {	# the SHA-256 fingerprint of a certificate, as recipient= has it
	openssl x509 -in "$1" -noout -fingerprint -sha256 |
	    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
# sd FILE: our SMIME-Decrypt field unfolded, without its name.
sd() {
	awk '{ sub(/\r$/, "") } /^$/ { exit }
	    /^[ \t]/ && p { sub(/^[ \t]+/, " "); l = l $0; next }
	    { if (p) print l; p = 0 }
	    /^SMIME-Decrypt:/ { p = 1; l = $0 }
	    END { if (p) print l }' "$1" | sed 's/^SMIME-Decrypt:[ \t]*//' | head -1
}
body() {	# body FILE: after the first empty line, bytes as they are
	sed '1,/^\r*$/d' "$1"
}
# fields FILE NAMES: the header fields NAMES (an ERE of lower-case
# names), unfolded, CR removed, in order.
fields() {
	awk -v re="^($2):" '{ sub(/\r$/, "") } /^$/ { exit }
	    /^[ \t]/ { if (k) l = l $0; next }
	    { if (k) print l; l = $0; k = tolower($0) ~ re }
	    END { if (k) print l }' "$1"
}
# ctype FILE: the unfolded Content-Type field of the top header.
ctype() {
	fields "$1" content-type | head -1
}
routing='from|to|cc|date|message-id|subject|in-reply-to|references'

# msg FROM TO: the message the pipeline starts from.
msg() {
	printf 'From: %s\nTo: %s\nDate: Mon, 23 Nov 2026 12:00:00 +0000\nMessage-ID: <pipe-1@example.com>\nIn-Reply-To: <ticket-41@example.org>\nSubject: pipeline\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\nDear help desk,\n\n\tthe printer on floor 3 is on fire again.\n.\n-- \nRegards\n' "$1" "$2"
}

# pipe NAME IN SIGNER SIGNOPTS RCPT ENCOPTS CIPHER INTEGRITY VERIFYOPTS
# [crlf]: the four filters, each stage into $tmp/NAME.{s,e,d,v}; the body
# must come out as IN's (with crlf: as IN's with CRLF line ends).
pipe() {
	p_n=$1 p_in=$2 p_s=$3 p_so=$4 p_r=$5 p_eo=$6 p_c=$7 p_i=$8 p_vo=$9
	p_eol=${10-}
	ok "$p_n: sign | encrypt | decrypt | verify" \
	    'smime-sign -k "$tmp/$p_s.key" -c "$pki/$p_s.pem" --chain "$pki/sub-ca.pem" $p_so <"$p_in" >"$tmp/$p_n.s" &&
	     smime-encrypt -r "$pki/$p_r.pem" $p_eo <"$tmp/$p_n.s" >"$tmp/$p_n.e" &&
	     smime-decrypt -k "$tmp/$p_r.key" -c "$pki/$p_r.pem" <"$tmp/$p_n.e" >"$tmp/$p_n.d" &&
	     smime-verify $ca $p_vo <"$tmp/$p_n.d" >"$tmp/$p_n.v"'
	# Phrases with a space: base64 has none, but one message in a
	# few hundred holds "fire" by chance.
	check_nogrep "$p_n: no plaintext in the encrypted message" \
	    'printer on|on fire|help desk' "$tmp/$p_n.e"
	# smime-sign labels what it signs hp="clear"; smime-decrypt reads
	# that claim in a detached signed part, not inside an opaque one
	p_hp=clear
	case "$p_so" in *--opaque*) p_hp=none ;; esac
	check_eq "$p_n: SMIME-Decrypt" "$(sd "$tmp/$p_n.v")" \
	    "mx.example.org; result=pass; cipher=$p_c; integrity=$p_i; recipient=sha256:$(fp "$pki/$p_r.pem"); hp=$p_hp"
	check_eq "$p_n: smime=pass" "$(ar_result "$tmp/$p_n.v")" pass
	check_grep "$p_n: signed by $p_s" \
	    "body\\.smime-identifier=$p_s@example\\.com" "$tmp/$p_n.v"
	if [ "$p_eol" = crlf ]; then
		body "$p_in" | crlf /dev/stdin >"$tmp/$p_n.want"
	else
		body "$p_in" >"$tmp/$p_n.want"
	fi
	body "$tmp/$p_n.v" >"$tmp/$p_n.got"
	check_same "$p_n: the original body, byte for byte" "$tmp/$p_n.got" "$tmp/$p_n.want"
	# smime-sign labels the entity hp="clear" (RFC 9788): whether the
	# unwrapped message keeps that label is the receiving side's choice.
	check_eq "$p_n: the original Content-Type" "$(ctype "$tmp/$p_n.v" |
	    sed 's/;[[:space:]]*hp="clear"$//')" "$(ctype "$p_in")"
	fields "$p_in" "$routing" >"$tmp/$p_n.rwant"
	fields "$tmp/$p_n.v" "$routing" >"$tmp/$p_n.rgot"
	check_same "$p_n: the routing header, unchanged" "$tmp/$p_n.rgot" "$tmp/$p_n.rwant"
	check_nogrep "$p_n: no S/MIME wrapper left" \
	    'pkcs7|multipart/signed|smime\.p7' "$tmp/$p_n.v"
}

msg alice@example.com help@example.org >"$tmp/a.eml"
crlf "$tmp/a.eml" >"$tmp/a-crlf.eml"
msg carol@example.com dave@example.com >"$tmp/c.eml"
crlf "$tmp/c.eml" >"$tmp/c-crlf.eml"

pipe rsa-detached "$tmp/a.eml" alice '' helpdesk '' aes-256-cbc none --unwrap
check_eq 'rsa-detached: LF all the way' "$(cat "$tmp"/rsa-detached.? | grep -c "$(printf '\r')")" 0
pipe rsa-opaque-gcm "$tmp/a.eml" alice --opaque helpdesk '--cipher aes-256-gcm' \
    aes-256-gcm authenticated ''
pipe rsa-crlf "$tmp/a-crlf.eml" alice '' helpdesk '--cipher aes-128-gcm --oaep' \
    aes-128-gcm authenticated --unwrap
check_eq 'rsa-crlf: CRLF all the way' \
    "$(cat "$tmp"/rsa-crlf.? | grep -vc "$(printf '\r')\$")" 0
pipe ec-detached "$tmp/c.eml" carol '' dave '' aes-256-cbc none --unwrap
pipe ec-opaque-crlf "$tmp/c-crlf.eml" carol --opaque dave '--cipher aes-256-gcm' \
    aes-256-gcm authenticated ''
check_eq 'ec-opaque-crlf: CRLF all the way' \
    "$(cat "$tmp"/ec-opaque-crlf.? | grep -vc "$(printf '\r')\$")" 0
# LF in, CRLF from smime-encrypt on: the rest follows the input it gets.
pipe ec-to-crlf "$tmp/c.eml" carol '' dave '--crlf --cipher aes-128-cbc' \
    aes-128-cbc none --unwrap crlf
check_eq 'ec-to-crlf: --crlf: the encrypted message is CRLF' \
    "$(grep -vc "$(printf '\r')\$" "$tmp/ec-to-crlf.e")" 0
check_eq 'ec-to-crlf: and so is the end result' \
    "$(grep -vc "$(printf '\r')\$" "$tmp/ec-to-crlf.v")" 0
# Tampering the CBC ciphertext of a signed message: decryption still
# passes (integrity=none, Efail), the signature inside catches it.
body "$tmp/ec-detached.e" | tr -d '\n' | openssl base64 -d -A >"$tmp/t.der"
sz=$(wc -c <"$tmp/t.der")
# a bit in the middle of the last ciphertext blocks but one
o=$((sz - 80))
b=$(dd if="$tmp/t.der" bs=1 skip=$o count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "\\$(printf %o $((b ^ 4)))" | dd of="$tmp/t.der" bs=1 seek=$o conv=notrunc 2>/dev/null
{ sed '/^$/q' "$tmp/ec-detached.e"; openssl base64 -in "$tmp/t.der"; } >"$tmp/t.e"
smime-decrypt -k "$tmp/dave.key" -c "$pki/dave.pem" <"$tmp/t.e" >"$tmp/t.d"
smime-verify $ca <"$tmp/t.d" >"$tmp/t.v"
check_eq 'tampered CBC: decrypts (integrity=none)' \
    "$(sd "$tmp/t.v" | sed 's/; recipient=.*//')" \
    'mx.example.org; result=pass; cipher=aes-256-cbc; integrity=none'
# (where the flipped block lands decides between fail and permerror)
check_eq 'tampered CBC: the signature inside catches it (fail or permerror)' \
    "$(ar_result "$tmp/t.v" | sed 's/ .*//' | grep -Ec '^(fail|permerror)$')" 1

### The store.
st="-S $tmp/store"
certstore $st init
ok 'the help desk identity' \
    'certstore $st identity add -p "$tmp/helpdesk.p12" --passin pass:test'
# alice and carol write in, signed: their certificates and capabilities
# (AES-GCM first, smime-sign's list) are stored.
for n in alice carol; do
	msg $n@example.com help@example.org |
	    smime-sign -k "$tmp/$n.key" -c "$pki/$n.pem" --chain "$pki/sub-ca.pem" >"$tmp/in-$n.eml"
	ok "smime-verify --import $n" \
	    'smime-verify $st $ca --import <"$tmp/in-$n.eml" >"$tmp/in-$n.v"'
done
ok 'certstore get alice' 'certstore $st get alice@example.com >"$tmp/got-alice.pem"'
check_eq "the store gives alice's certificate" "$(fp "$tmp/got-alice.pem")" \
    "$(fp "$pki/alice.pem")"

# The reply: signed as the help desk, encrypted to the To address and
# to ourselves (--as), decrypted from the sent copy with the store's key.
printf 'From: help@example.org\nTo: alice@example.com\nSubject: Re: pipeline\nMessage-ID: <reply-1@example.org>\nContent-Type: text/plain; charset=us-ascii\n\nThe fire is out.\n' >"$tmp/reply.eml"
ok 'reply: sign --as | encrypt --as | decrypt (store) | verify' \
    'smime-sign $st --as help@example.org --passin pass:test <"$tmp/reply.eml" >"$tmp/r.s" &&
     smime-encrypt $st --as help@example.org <"$tmp/r.s" >"$tmp/r.e" &&
     smime-decrypt $st --passin pass:test <"$tmp/r.e" >"$tmp/r.d" &&
     smime-verify $ca --unwrap <"$tmp/r.d" >"$tmp/r.v"'
# alice's stored capabilities list AES-256-GCM, and our own certificate
# counts as listing it: auto is AES-256-GCM.
check_eq 'reply: auto is AES-256-GCM, the sent copy decrypts with our key' \
    "$(sd "$tmp/r.v")" \
    "mx.example.org; result=pass; cipher=aes-256-gcm; integrity=authenticated; recipient=sha256:$(fp "$pki/helpdesk.pem"); hp=clear"
check_eq 'reply: smime=pass' "$(ar_result "$tmp/r.v")" pass
body "$tmp/r.v" >"$tmp/r.got"
body "$tmp/reply.eml" >"$tmp/r.want"
check_same 'reply: the body, byte for byte' "$tmp/r.got" "$tmp/r.want"
ok 'reply: alice decrypts it too (openssl)' \
    'openssl cms -decrypt -in "$tmp/r.e" -inkey "$tmp/alice.key" -recip "$pki/alice.pem" -out "$tmp/r.alice"'
ok 'reply: alice verifies what she decrypted (openssl)' \
    'openssl cms -verify -CAfile "$pki/root-ca.pem" -in "$tmp/r.alice" -out "$tmp/r.alice.txt"'
check_grep 'reply: alice reads it' '^The fire is out\.' "$tmp/r.alice.txt"

# Cipher auto: every recipient's capabilities must list AES-GCM; a -r
# certificate has none recorded.
printf 'From: help@example.org\nTo: alice@example.com\nBcc: carol@example.com\nSubject: auto\nContent-Type: text/plain\n\nsecret words\n' >"$tmp/auto.eml"
ok 'auto: -t alice' 'smime-encrypt $st -t alice@example.com <"$tmp/auto.eml" >"$tmp/auto1.e"'
check_grep 'auto: alice lists AES-GCM: authEnveloped-data' \
    'smime-type="?authEnveloped-data' "$tmp/auto1.e"
ok 'auto: -t alice -r bob' \
    'smime-encrypt $st -t alice@example.com -r "$pki/bob.pem" <"$tmp/auto.eml" >"$tmp/auto2.e"'
check_grep 'auto: bob has no capabilities on record: enveloped-data' \
    'smime-type="?enveloped-data' "$tmp/auto2.e"
openssl cms -cmsout -print -in "$tmp/auto2.e" >"$tmp/auto2.cms"
check_grep 'auto: ... AES-256-CBC' 'algorithm: aes-256-cbc' "$tmp/auto2.cms"

# Default recipients: To, Cc and Bcc from the store; Bcc never shows.
ok 'To and Bcc from the store' 'smime-encrypt $st <"$tmp/auto.eml" >"$tmp/bcc.e"'
check_nogrep 'no Bcc in the output' '^[Bb][Cc][Cc]:' "$tmp/bcc.e"
check_nogrep 'nor the Bcc address' 'carol@example\.com' "$tmp/bcc.e"
check_grep 'To stays' '^To: alice@example\.com' "$tmp/bcc.e"
for n in alice carol; do
	ok "$n (To or Bcc) decrypts it (openssl)" \
	    'openssl cms -decrypt -in "$tmp/bcc.e" -inkey "$tmp/$n.key" -recip "$pki/$n.pem" -out "$tmp/bcc.$n"'
	check_grep "$n reads it" '^secret words' "$tmp/bcc.$n"
done
check_nogrep 'the Bcc field is not inside either' '^Bcc:' "$tmp/bcc.alice"
ok 'Bcc with -r' 'smime-encrypt -r "$pki/bob.pem" <"$tmp/auto.eml" >"$tmp/bcc2.e"'
check_nogrep 'Bcc with -r: no Bcc in the output' '^[Bb][Cc][Cc]:|carol@' "$tmp/bcc2.e"

# --missing=fail (the default): exit 67, nothing written.
printf 'From: help@example.org\nTo: alice@example.com, nobody@example.net\nSubject: x\n\nsecret\n' >"$tmp/miss.eml"
expect_code 'a recipient without certificate: 67' 67 \
    'smime-encrypt $st <"$tmp/miss.eml" >"$tmp/miss.out"'
check_eq '67: nothing on stdout' "$(wc -c <"$tmp/miss.out")" 0
check_grep '67: stderr names the address' 'nobody@example\.net' "$tmp/.err"

# SMIME-Encrypt: no: passed through as it is, without the control field,
# even with every certificate at hand.
printf 'From: help@example.org\nTo: alice@example.com\nSMIME-Encrypt: no\nSubject: clear\nContent-Type: text/plain\n\nin the clear\n' >"$tmp/no.eml"
grep -v '^SMIME-Encrypt:' "$tmp/no.eml" >"$tmp/no.want"
ok 'SMIME-Encrypt: no' 'smime-encrypt $st <"$tmp/no.eml" >"$tmp/no.out"'
check_same 'SMIME-Encrypt: no: unchanged but for the field' "$tmp/no.out" "$tmp/no.want"
ok 'SMIME-Encrypt: no, with -r' 'smime-encrypt -r "$pki/alice.pem" <"$tmp/no.eml" >"$tmp/no2.out"'
check_same 'SMIME-Encrypt: no, with -r: unchanged but for the field' \
    "$tmp/no2.out" "$tmp/no.want"
# Any other value is removed too, and the message is encrypted.
sed 's/^SMIME-Encrypt: no$/SMIME-Encrypt: yes/' "$tmp/no.eml" >"$tmp/yes.eml"
ok 'SMIME-Encrypt: yes' 'smime-encrypt -r "$pki/alice.pem" <"$tmp/yes.eml" >"$tmp/yes.out"'
check_nogrep 'SMIME-Encrypt: yes: removed, and encrypted' \
    '^SMIME-Encrypt|in the clear' "$tmp/yes.out"
ok 'SMIME-Encrypt: yes: decrypts' \
    'smime-decrypt -k "$tmp/alice.key" -c "$pki/alice.pem" <"$tmp/yes.out" >"$tmp/yes.d"'
check_nogrep 'SMIME-Encrypt: yes: not inside either' '^SMIME-Encrypt' "$tmp/yes.d"

done_testing
