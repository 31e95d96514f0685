#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Whose address a certificate carries (smimetools(7)).  Its
# subjectAltName rfc822Names; a subject emailAddress counts only in a
# certificate that has no rfc822Name at all (OpenSSL's X509_check_email);
# an rfc822Name that is no plain addr-spec counts for nothing.  The
# attacker holds a certificate of the trusted CA whose subjectAltName is
# theirs and whose subject names the victim:
#  a  SAN attacker@example.net, subject emailAddress victim@example.com
#  b  no SAN, subject emailAddress victim@example.com (still counts)
#  c  SAN one@example.com and two@example.com
#  d  SAN junk, subject emailAddress victim@example.com: a NUL in the
#     value, a display name, angle brackets, no '@'
# The same rule for smime-verify's From check, smime-verify --import,
# certstore add, get and list, the index and fsck --repair, smime-sign
# --as and its From default, smime-encrypt -t and --self, smime-decrypt
# --as.
. "$(dirname "$0")/lib.sh"
plan 58

pki=$testdir/pki
ca="--no-system-ca --ca $pki/root-ca.pem"
cp "$pki/sub-ca.key" "$tmp/sub-ca.key" && chmod 600 "$tmp/sub-ca.key"
V=victim@example.com
A=attacker@example.net

# mint NAME SERIAL SUBJECT [SAN-VALUE...]: an end entity of sub-ca on a
# fresh P-256 key; each SAN-VALUE an rfc822Name, written as DER so that
# it may hold any byte (perl escapes: \0); none, no subjectAltName.
mint() {
	name=$1 ser=$2 subj=$3
	shift 3
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$tmp/$name.key" 2>/dev/null
	chmod 600 "$tmp/$name.key"
	{ printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=emailProtection\n'
	  [ $# -eq 0 ] || printf 'subjectAltName=DER:%s\n' "$(perl -e '
	    $g = ""; for (@ARGV) { s/\\0/\0/g; $g .= "\x81" . chr(length) . $_ }
	    print unpack("H*", "\x30" . chr(length $g) . $g)' "$@")"; } >"$tmp/$name.ext"
	openssl req -new -key "$tmp/$name.key" -subj "$subj" 2>/dev/null |
	    openssl x509 -req -CA "$pki/sub-ca.pem" -CAkey "$tmp/sub-ca.key" \
	    -set_serial "$ser" -days 36500 -extfile "$tmp/$name.ext" \
	    -out "$tmp/$name.pem" 2>/dev/null
}
mint a 0x6001 "/CN=Mallory/emailAddress=$V" "$A"
mint b 0x6002 "/CN=Victim/emailAddress=$V"
mint c 0x6003 /CN=Both one@example.com two@example.com
mint dnul 0x6004 "/CN=Nul/emailAddress=$V" 'victim@example.com\0.example.net'
mint ddisp 0x6005 "/CN=Display/emailAddress=$V" "Victim <$V>"
mint dangle 0x6006 "/CN=Angle/emailAddress=$V" "<$V>"
mint dnoat 0x6007 "/CN=NoAt/emailAddress=$V" victim.example.com
fp() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
msg() { printf 'From: %s\nTo: help@example.org\nSubject: help\nMessage-ID: <%s@example.net>\n\nplease\n' "$1" "$2"; }
# sign FROM NAME: a message from FROM signed by NAME's certificate.
sign() { msg "$1" "$2" | smime-sign -k "$tmp/$2.key" -c "$tmp/$2.pem" --chain "$pki/sub-ca.pem"; }
res() { ar_result "$1" | sed 's/ .*//'; }

check_eq 'a: the subjectAltName is the attacker'"'"'s, the subject the victim'"'"'s' \
    "$(openssl x509 -in "$tmp/a.pem" -noout -ext subjectAltName -subject -nameopt compat | tr -s ' \n' ' ')" \
    "X509v3 Subject Alternative Name: email:$A subject=/CN=Mallory/emailAddress=$V "
check_eq 'dnul: the NUL is in the rfc822Name' \
    "$(openssl x509 -in "$tmp/dnul.pem" -outform DER |
    perl -0777 -ne 'print /\x81.victim\@example\.com\0\.example\.net/ ? 1 : 0')" 1

# --- smime-verify --policy chain: the From check -----------------------------
sign $V a >"$tmp/a-v.eml"
smime-verify $ca <"$tmp/a-v.eml" >"$tmp/v.eml"
check_eq 'a, From victim: policy, not pass' "$(res "$tmp/v.eml")" policy
check_grep 'a, From victim: the certificate'"'"'s address is the attacker'"'"'s' \
    "body\\.smime-identifier=$A" "$tmp/v.eml"
sign $A a >"$tmp/a-a.eml"
smime-verify $ca <"$tmp/a-a.eml" >"$tmp/v.eml"
check_eq 'a, From attacker: pass' "$(res "$tmp/v.eml")" pass
sign $V b >"$tmp/b-v.eml"
smime-verify $ca <"$tmp/b-v.eml" >"$tmp/v.eml"
check_eq 'b (subject only), From victim: pass' "$(res "$tmp/v.eml")" pass
for f in one@example.com TWO@Example.com; do
	sign $f c >"$tmp/c.eml"
	smime-verify $ca <"$tmp/c.eml" >"$tmp/v.eml"
	check_eq "c, From $f: pass" "$(res "$tmp/v.eml")" pass
done
sign $V c >"$tmp/c.eml"
smime-verify $ca <"$tmp/c.eml" >"$tmp/v.eml"
check_eq 'c, From victim: policy' "$(res "$tmp/v.eml")" policy
for d in dnul ddisp dangle dnoat; do
	sign $V $d >"$tmp/$d-v.eml"
	smime-verify $ca <"$tmp/$d-v.eml" >"$tmp/v.eml"
	check_eq "$d, From victim: policy, not pass" "$(res "$tmp/v.eml")" policy
done

# --- the harvest: smime-verify --import --------------------------------------
S1="-S $tmp/s1"
certstore $S1 init
ok 'import: a, From attacker, passes and is stored' \
    'smime-verify $S1 $ca --import <"$tmp/a-a.eml" >"$tmp/v.eml" &&
     certstore $S1 get $A >/dev/null'
expect_code 'import: certstore get victim is 67' 67 'certstore $S1 get $V'
check_eq 'import: list victim is empty' "$(certstore $S1 list $V)" ''
check_nogrep 'import: no index line for victim' "^$V	" \
    "$(cat "$tmp/s1/index" "$tmp/s1/index.journal" >"$tmp/ix"; echo "$tmp/ix")"
check_eq 'import: list shows the attacker'"'"'s address only' \
    "$(certstore $S1 list | cut -f4- | grep .)" "$A"
expect_code 'smime-encrypt -t victim: no certificate, 67' 67 \
    'msg $A x | smime-encrypt $S1 -t $V'
ok 'smime-encrypt -t attacker: encrypted to a' \
    'msg $A x | smime-encrypt $S1 -t $A >"$tmp/e.eml" &&
     smime-decrypt -k "$tmp/a.key" -c "$tmp/a.pem" <"$tmp/e.eml" >/dev/null'
smime-verify $S1 $ca --import <"$tmp/b-v.eml" >/dev/null
certstore $S1 get $V >"$tmp/got.pem"
check_eq 'import: b is victim'"'"'s' "$(fp "$tmp/got.pem")" "$(fp "$tmp/b.pem")"
ok 'smime-encrypt -t victim: to b' \
    'msg $A x | smime-encrypt $S1 -t $V >"$tmp/e.eml" &&
     smime-decrypt -k "$tmp/b.key" -c "$tmp/b.pem" <"$tmp/e.eml" >/dev/null'
smime-decrypt -k "$tmp/a.key" -c "$tmp/a.pem" <"$tmp/e.eml" >"$tmp/d.eml" 2>/dev/null
check_nogrep 'and not to a: its key reads nothing' '^please' "$tmp/d.eml"

# --- certstore add, get, list ------------------------------------------------
S2="-S $tmp/s2"
certstore $S2 init
ok 'add a' 'certstore $S2 $ca add "$pki/sub-ca.pem" "$tmp/a.pem"'
expect_code 'add a: get victim is 67' 67 'certstore $S2 get $V'
ok 'add a: get attacker' 'certstore $S2 get $A'
ok 'add c' 'certstore $S2 $ca add "$tmp/c.pem"'
ok 'add c: get one and TWO' 'certstore $S2 get one@example.com && certstore $S2 get TWO@example.com'
for d in dnul ddisp dangle dnoat; do
	expect_code "add $d: refused, it names no address (65)" 65 \
	    'certstore $S2 $ca add "$tmp/$d.pem"'
done
ok 'under --policy signature the junk ones are stored' \
    'certstore $S2 --policy signature add "$tmp/dnul.pem" "$tmp/ddisp.pem" "$tmp/dangle.pem" "$tmp/dnoat.pem"'
expect_code 'and get victim is still 67' 67 'certstore $S2 get $V'
check_eq 'list victim: nothing' "$(certstore $S2 list $V)" ''
check_eq 'list <victim>: nothing' "$(certstore $S2 list "<$V>" 2>/dev/null)" ''
certstore $S2 list >"$tmp/l"
check_eq 'their lines in list name no address' \
    "$(for d in dnul ddisp dangle dnoat; do grep "^$(fp "$tmp/$d.pem")" "$tmp/l"; done |
    awk -F '\t' '{ print NF }' | tr '\n' ' ')" '3 3 3 3 '
ok 'add b' 'certstore $S2 $ca add "$tmp/b.pem"'
certstore $S2 get $V >"$tmp/got.pem"
check_eq 'get victim: b' "$(fp "$tmp/got.pem")" "$(fp "$tmp/b.pem")"

# --- identities: smime-sign, smime-encrypt --self, smime-decrypt --as --------
S3="-S $tmp/s3"
certstore $S3 init && certstore $S3 $ca add "$pki/sub-ca.pem"
ok 'identity add a' 'certstore $S3 $ca identity add -k "$tmp/a.key" -c "$tmp/a.pem"'
expect_code 'smime-sign --as victim: no identity, 78' 78 'msg $V x | smime-sign $S3 --as $V'
expect_code 'smime-sign, From victim: the default picks no identity, 78' 78 \
    'msg $V x | smime-sign $S3'
ok 'smime-sign --as attacker signs' 'msg $A x | smime-sign $S3 --as $A >/dev/null'
expect_code 'smime-encrypt --self, From victim: no identity, 78' 78 \
    'msg $V x | smime-encrypt $S3 -r "$pki/bob.pem" --self'
expect_code 'smime-encrypt --as victim: 78' 78 \
    'msg $V x | smime-encrypt $S3 -r "$pki/bob.pem" --as $V'
msg $A x | smime-encrypt -r "$tmp/a.pem" >"$tmp/ea.eml"
expect_code 'smime-decrypt --as victim: 78' 78 'smime-decrypt $S3 --as $V <"$tmp/ea.eml"'
ok 'smime-decrypt --as attacker' 'smime-decrypt $S3 --as $A <"$tmp/ea.eml" >/dev/null'
S4="-S $tmp/s4"
certstore $S4 init && certstore $S4 $ca add "$pki/sub-ca.pem"
certstore $S4 $ca identity add -k "$tmp/b.key" -c "$tmp/b.pem"
ok 'b: smime-sign --as victim, and From victim, sign' \
    'msg $V x | smime-sign $S4 --as $V >/dev/null && msg $V x | smime-sign $S4 >"$tmp/s.eml"'
smime-verify $ca <"$tmp/s.eml" >"$tmp/v.eml"
check_eq 'b: the signature passes for victim' "$(res "$tmp/v.eml")" pass
ok 'b: smime-encrypt --self, From victim' \
    'msg $V x | smime-encrypt $S4 -r "$pki/bob.pem" --self >"$tmp/e.eml"'
ok 'b: smime-decrypt --as victim' 'smime-decrypt $S4 --as $V <"$tmp/e.eml" >/dev/null'

# --- fsck: an index written by the old rule ----------------------------------
# The attacker's line of the index again under the victim's address: what
# the index held for a when the subject's emailAddress counted.
st=$tmp/s5
certstore -S "$st" init
certstore -S "$st" $ca add "$pki/sub-ca.pem" "$tmp/a.pem"
cat "$st/index" "$st/index.journal" 2>/dev/null | grep "^$A	" | sed "s/^$A/$V/" >"$tmp/line"
cat "$tmp/line" >>"$st/index.journal" && chmod 600 "$st/index.journal"
check_eq 'the old rule'"'"'s line is there' "$(grep -c "^$V	$(fp "$tmp/a.pem")	" "$st/index.journal")" 1
expect_code 'get victim through it: 67 (the certificate decides)' 67 'certstore -S "$st" get $V'
expect_code 'fsck notices: 78' 78 'certstore -S "$st" fsck'
check_grep 'fsck says the index is wrong' 'index: does not match certs/' "$tmp/.err"
ok 'fsck --repair' 'certstore -S "$st" fsck --repair'
check_eq 'the victim'"'"'s line is gone' \
    "$(cat "$st/index" "$st/index.journal" 2>/dev/null | grep -c "^$V	")" 0
ok 'fsck: clean' 'certstore -S "$st" fsck'

done_testing
