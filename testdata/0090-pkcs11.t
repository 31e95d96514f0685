#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Identities whose private key stays on a PKCS#11 token (issue 18), on a
# throwaway SoftHSM2 token (scripts/test-softhsm): certstore identity add
# --pkcs11 records the key's URI and module, never a key file, the PIN or
# key material; the key is sensitive and not extractable on the token;
# smime-sign (RSA, ECDSA) and smime-decrypt (RSA PKCS#1 v1.5, RSA-OAEP,
# ECDH) use it as any identity, checked by openssl cms; the faults have
# their codes (wrong or no PIN 77, token absent 75, module absent 78) and
# one line each; one C_Login per process, counted through opensc's
# PKCS#11 spy, and no module loaded by smime-verify and smime-encrypt; the
# store's lock is not held while the token works; and the procmail recipe
# decrypts and verifies with it.
. "$(dirname "$0")/lib.sh"
plan 130

pki=$testdir/pki
scripts=$testdir/../scripts
hsm=$tmp/hsm
spy=
for m in /usr/lib/x86_64-linux-gnu/pkcs11-spy.so \
    /usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so /usr/lib/pkcs11-spy.so; do
	[ -r "$m" ] && { spy=$m; break; }
done
[ -n "$spy" ] || spy=$(dpkg -L opensc-pkcs11 2>/dev/null | grep '/pkcs11-spy\.so$' | head -1)

# The token: helpdesk's RSA-2048 key (label rsa, id 01), carol's P-256
# key (ec, 02), each with its certificate; alice's RSA key (alice, 03)
# without one (its certificate object deleted).
"$scripts/test-softhsm" init "$hsm" 4Kx9-pin-Zq >/dev/null
. "$hsm/env"
export SOFTHSM2_CONF
"$scripts/test-softhsm" import "$hsm" "$pki/helpdesk.key" "$pki/helpdesk.pem" rsa 01
"$scripts/test-softhsm" import "$hsm" "$pki/carol.key" "$pki/carol.pem" ec 02
"$scripts/test-softhsm" import "$hsm" "$pki/alice.key" "$pki/alice.pem" alice 03
pkcs11-tool --module "$module" --login --pin "$pin" --delete-object \
    --type cert --id 03 >/dev/null 2>&1
SMIME_PIN=$pin
export SMIME_PIN
wrong=Wr0ng-pin-5531
private_keys alice
cp "$pki/alice.p12" "$tmp/" && chmod 600 "$tmp/alice.p12"

fp() {	# the SHA-256 of a certificate's DER, as the store names files
	openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64
}
newstore() {	# a store with the test root as its anchor, and the sub CA
	certstore -S "$1" init &&
	certstore -S "$1" trust add "$pki/root-ca.pem" &&
	certstore -S "$1" add "$pki/sub-ca.pem"
}
snap() {	# every file of store $1 with its contents
	(cd "$1" && find . -type f -print | LC_ALL=C sort | xargs sha256sum)
}
lines() { wc -l <"$1" | tr -d ' '; }
size() { wc -c <"$1" | tr -d ' '; }
logins() { grep -cE '^[0-9]+: C_Login$' "$1"; }
# After a failed login the token says so (CKF_USER_PIN_COUNT_LOW) until
# a good one, and the filters then do not try: the administrator's
# login by hand, as smimetools(7) tells, clears it.
relogin() {
	pkcs11-tool --module "$module" --login --pin "$pin" -O >/dev/null 2>&1
}
hd=$(fp "$pki/helpdesk.pem")
ca=$(fp "$pki/carol.pem")
al=$(fp "$pki/alice.pem")
RSA='pkcs11:token=smimetools;object=rsa;type=private'
EC='pkcs11:token=smimetools;id=%02'

# 1. identity add --pkcs11.
st=$tmp/store
S="-S $st"
newstore "$st"
ok 'identity add --pkcs11 RSA (object=, the certificate from the token)' \
    'certstore $S identity add --pkcs11 "$RSA" --module "$module" --passin env:SMIME_PIN'
ok 'identity add --pkcs11 P-256 (id=, -c CERT)' \
    'certstore $S identity add --pkcs11 "$EC" --module "$module" -c "$pki/carol.pem" --passin env:SMIME_PIN'
check_same 'RSA: certs/<fp>.pem is the token'"'"'s certificate, helpdesk'"'"'s' \
    "$st/certs/$hd.pem" "$pki/helpdesk.pem"
check_eq 'P-256: certs/<fp>.pem' "$(openssl x509 -in "$st/certs/$ca.pem" -outform DER | sha256sum | cut -c1-64)" "$ca"
check_eq 'keys/<fp>.p11 for each, mode 0600' \
    "$(stat -c %a "$st/keys/$hd.p11" "$st/keys/$ca.p11" 2>&1 | tr '\n' ' ')" '600 600 '
check_eq 'and no keys/*.pem' "$(find "$st/keys" -name '*.pem' | wc -l)" 0
check_grep 'RSA: uri= names the key by object' \
    '^uri=pkcs11:.*token=smimetools.*object=rsa' "$st/keys/$hd.p11"
check_grep 'P-256: uri= names the key by id' '^uri=pkcs11:.*id=%02' "$st/keys/$ca.p11"
check_grep 'module= is --module' "^module=$module\$" "$st/keys/$hd.p11"
check_grep 'pin-source= is the env: source' '^pin-source=env:SMIME_PIN$' "$st/keys/$hd.p11"
check_eq 'every line of the .p11 is uri=, module=, pin-source= (or a comment)' \
    "$(grep -cvE '^(#|(uri|module|pin-source)=)' "$st/keys/$hd.p11")" 0
ok 'the .p11 files hold no PIN' \
    'test -s "$st/keys/$hd.p11" && ! grep -qF "$pin" "$st/keys/$hd.p11" "$st/keys/$ca.p11"'
ok 'nowhere in the store: the PIN, a PRIVATE KEY' \
    '! grep -rqF -e "$pin" -e "PRIVATE KEY" "$st"'
# 2. identity list: the flag token; --json: "key" and "module".
certstore $S identity list >"$tmp/l"
check_grep 'identity list: flags identity,token' \
    "^$hd	[^	]*	identity,token	help@example\\.org\$" "$tmp/l"
check_grep 'identity list: carol too' "^$ca	[^	]*	identity,token	carol@example\\.com\$" "$tmp/l"
certstore $S --json identity list |
    python3 -c 'import json, sys
for o in map(json.loads, sys.stdin):
    print(o["fingerprint"], o.get("key"), o.get("module"))' >"$tmp/j"
check_eq 'identity list --json: "key" is the URI, "module" the module' \
    "$(grep "^$hd " "$tmp/j")" \
    "$hd $(sed -n 's/^uri=//p' "$st/keys/$hd.p11") $module"

# The wrong certificates, the wrong options, the wrong token or PIN; in
# a store of their own, which each failure leaves as it was.
nst=$tmp/neg
N="-S $nst"
newstore "$nst"
snap "$nst" >"$tmp/n0"
expect_code '-c a certificate that is not the key'"'"'s: 65' 65 \
    'certstore $N identity add --pkcs11 "$RSA" --module "$module" -c "$pki/bob.pem" --passin env:SMIME_PIN'
expect_code 'no -c and no certificate on the token: 65' 65 \
    'certstore $N identity add --pkcs11 "pkcs11:token=smimetools;object=alice" --module "$module" --passin env:SMIME_PIN'
expect_code '--pkcs11 with -k: 64' 64 \
    'certstore $N identity add --pkcs11 "$RSA" --module "$module" -k "$tmp/alice.key" --passin env:SMIME_PIN'
expect_code '--pkcs11 with -p: 64' 64 \
    'certstore $N identity add --pkcs11 "$RSA" --module "$module" -p "$tmp/alice.p12" --passin env:SMIME_PIN'
expect_code 'no module (no --module, no module-path=): 64' 64 \
    'certstore $N identity add --pkcs11 "$RSA" --passin env:SMIME_PIN'
expect_code 'a URI with pin-value: 64' 64 \
    'certstore $N identity add --pkcs11 "$RSA?pin-value=$pin" --module "$module"'
check_nogrep 'the refusal does not echo the PIN' "$pin" "$tmp/.err"
expect_code 'no such token: 75' 75 \
    'certstore $N identity add --pkcs11 "pkcs11:token=nosuch;object=rsa" --module "$module" --passin env:SMIME_PIN'
expect_code 'wrong PIN: 77' 77 \
    'certstore $N identity add --pkcs11 "$RSA" --module "$module" --passin pass:$wrong'
relogin
expect_code 'a module that is not there: 78' 78 \
    'certstore $N identity add --pkcs11 "$RSA" --module "$tmp/nonexistent.so" --passin env:SMIME_PIN'
check_eq 'in one line' "$(lines "$tmp/.err")" 1
snap "$nst" >"$tmp/n1"
check_same 'the failures left the store as it was' "$tmp/n0" "$tmp/n1"
# --module wins over module-path=; a pass: PIN is not recorded.
ok 'alice: -c, --module over a module-path= that is not there, pass:' \
    'certstore $N identity add --pkcs11 "pkcs11:token=smimetools;object=alice?module-path=$tmp/nonexistent.so" --module "$module" -c "$pki/alice.pem" --passin pass:$pin'
check_grep 'module= is --module' "^module=$module\$" "$nst/keys/$al.p11"
check_nogrep 'a pass: PIN is not recorded' '^pin-source=' "$nst/keys/$al.p11"

# 3. On the token the keys are sensitive and not extractable, and their
# secret values cannot be read (what pkcs11-tool says, and what the token
# answers an application that asks for them: testdata/p11/attrs.py).
pkcs11-tool --module "$module" --login --pin "$pin" --list-objects \
    --type privkey >"$tmp/objs" 2>/dev/null
check_eq 'pkcs11-tool: three private keys, each "Access: sensitive"' \
    "$(grep -c '^ *Access: *sensitive' "$tmp/objs")/$(grep -c '^Private Key Object' "$tmp/objs")" 3/3
check_nogrep 'none of them extractable' '(Access:|,) *extractable' "$tmp/objs"
python3 "$testdir/p11/attrs.py" "$module" "$pin" >"$tmp/attrs" 2>&1
check_eq 'rsa and ec: CKA_SENSITIVE, not CKA_EXTRACTABLE' \
    "$(grep -cE '^(rsa|ec) sensitive=1 extractable=0$' "$tmp/attrs")" 2
check_eq 'the token refuses every secret value: CKR_ATTRIBUTE_SENSITIVE' \
    "$(grep -E '^(rsa|ec) CKA_' "$tmp/attrs" | grep -c ' CKR_ATTRIBUTE_SENSITIVE unavailable$')/$(grep -cE '^(rsa|ec) CKA_' "$tmp/attrs")" 4/4
# (pkcs11-tool does not even ask: "reading private keys not (yet)
# supported"; attrs.py above is the one that asks.)
pkcs11-tool --module "$module" --login --pin "$pin" --read-object \
    --type privkey --label rsa -o "$tmp/rsa.out" >/dev/null 2>&1
check_eq 'pkcs11-tool --read-object --type privkey writes nothing' \
    "$(cat "$tmp/rsa.out" 2>/dev/null | wc -c)" 0

# 4. smime-sign: --as, RSA and ECDSA, and the From default; the PIN from
# the recorded env: source.
msg() {	# FROM
	printf 'From: %s\nTo: bob@example.com\nSubject: re\n\nsigned on the token\n' "$1"
}
signed() {	# NAME: both verifiers pass $tmp/s.eml
	ok "$1: openssl cms verifies" \
	    'openssl cms -verify -CAfile "$pki/root-ca.pem" -in "$tmp/s.eml" -out /dev/null'
	smime-verify $S --no-system-ca <"$tmp/s.eml" >"$tmp/v.eml"
	check_eq "$1: smime-verify: pass" "$(ar_result "$tmp/v.eml")" pass
}
ok 'smime-sign --as help@example.org (RSA)' \
    'msg help@example.org | smime-sign $S --as help@example.org >"$tmp/s.eml"'
signed 'RSA --as'
ok 'smime-sign --as carol@example.com (ECDSA)' \
    'msg carol@example.com | smime-sign $S --as carol@example.com >"$tmp/s.eml"'
signed 'ECDSA --as'
ok 'smime-sign, the From default (ECDSA)' \
    'msg carol@example.com | smime-sign $S >"$tmp/s.eml"'
signed 'ECDSA From'
check_grep 'and the signer is carol' 'smime-identifier=carol@example\.com' "$tmp/v.eml"

# 5. smime-decrypt of what openssl cms encrypted to the token's keys,
# the identity chosen by the RecipientInfo: the body byte for byte.
# All CRLF, -binary: the entity goes in as it is, and comes out so.
{ printf 'Content-Type: text/plain; charset=us-ascii\n\n'
  printf 'the secret line %s\n  leading blanks, trailing ones  \n' "$(openssl rand -hex 16)"
  openssl rand -base64 600; } >"$tmp/ent.lf"
crlf "$tmp/ent.lf" >"$tmp/ent"
enc() {	# NAME OPENSSL-ARG...: $tmp/NAME.eml, to help@example.org
	_f=$1
	shift
	openssl cms -encrypt -binary -aes256 -in "$tmp/ent" "$@" >"$tmp/$_f.ent" &&
	{ printf 'From: alice@example.com\nTo: help@example.org\nSubject: p\n'
	  cat "$tmp/$_f.ent"; } | crlf /dev/stdin >"$tmp/$_f.eml"
}
enc v15 "$pki/helpdesk.pem"
enc oaep -recip "$pki/helpdesk.pem" -keyopt rsa_padding_mode:oaep
enc ecdh "$pki/carol.pem"
openssl cms -cmsout -print -in "$tmp/oaep.ent" >"$tmp/oaep.txt"
check_grep 'the -keyopt one is RSA-OAEP' 'rsaesOaep' "$tmp/oaep.txt"
body "$tmp/ent" >"$tmp/ent.body"
for c in v15:$hd oaep:$hd ecdh:$ca; do
	f=${c%%:*} want=${c#*:}
	ok "$f: smime-decrypt" 'smime-decrypt $S <"$tmp/$f.eml" >"$tmp/d.eml"'
	check_eq "$f: result=pass, the recipient the token identity" \
	    "$(hdres "$tmp/d.eml" | tr -d "\r" | sed 's/; cipher=.*; recipient=/; recipient=/; s/; hp=none$//')" \
	    'mx.example.org; result=pass; recipient=sha256:X'
	check_grep "$f: the recipient's fingerprint" "recipient=sha256:$want" "$tmp/d.eml"
	body "$tmp/d.eml" >"$tmp/d.body"
	check_same "$f: the body byte for byte" "$tmp/d.body" "$tmp/ent.body"
done

# 6. Faults, each in one line on stderr and nothing on stdout.
expect_code 'smime-sign, wrong PIN: 77' 77 \
    'msg help@example.org | smime-sign $S --as help@example.org --passin pass:$wrong'
check_eq 'wrong PIN: one line on stderr' "$(lines "$tmp/.err")" 1
check_grep 'wrong PIN: it says so' '[Ww]rong PIN' "$tmp/.err"
check_eq 'wrong PIN: nothing on stdout' "$(size "$tmp/.out")" 0
check_nogrep 'wrong PIN: the message does not carry it' "$wrong" "$tmp/.err"
expect_code 'after a failed login, the next run does not try (77)' 77 \
    'msg help@example.org | smime-sign $S --as help@example.org'
check_grep 'and it says to log in by hand' 'log in by hand' "$tmp/.err"
relogin
ok 'after a login by hand, it signs again' \
    'msg help@example.org | smime-sign $S --as help@example.org >/dev/null'
expect_code 'smime-decrypt, wrong PIN: 77' 77 \
    'smime-decrypt $S --passin pass:$wrong <"$tmp/v15.eml"'
check_eq 'wrong PIN: nothing on stdout' "$(size "$tmp/.out")" 0
relogin
expect_code 'smime-sign, no PIN at all (none given, none recorded): 77' 77 \
    'msg alice@example.com | smime-sign $N --as alice@example.com'
check_grep 'no PIN: it says a PIN is needed' 'PIN' "$tmp/.err"
ok 'and with --passin it signs' \
    'msg alice@example.com | smime-sign $N --as alice@example.com --passin env:SMIME_PIN >/dev/null'
cp -R "$st" "$tmp/nosuch"
sed -i 's/token=smimetools/token=nosuch/' "$tmp/nosuch/keys/$hd.p11"
expect_code 'smime-sign, the token not there (token=nosuch): 75' 75 \
    'msg help@example.org | smime-sign -S "$tmp/nosuch" --as help@example.org'
check_eq 'token not there: one line on stderr' "$(lines "$tmp/.err")" 1
check_grep 'token not there: it names the token' 'token=nosuch' "$tmp/.err"
cp -R "$st" "$tmp/pinval"
sed -i "s|^uri=.*|&?pin-value=$pin|" "$tmp/pinval/keys/$hd.p11"
expect_code 'smime-sign, a recorded URI with pin-value: 78' 78 \
    'msg help@example.org | smime-sign -S "$tmp/pinval" --as help@example.org'
check_nogrep 'pin-value: the refusal does not echo the PIN' "$pin" "$tmp/.err"
cp -R "$st" "$tmp/nomod"
sed -i "s|^module=.*|module=$tmp/nonexistent.so|" "$tmp/nomod/keys/$hd.p11"
expect_code 'smime-sign, the module not there: 78' 78 \
    'msg help@example.org | smime-sign -S "$tmp/nomod" --as help@example.org'
check_eq 'module not there: one line on stderr' "$(lines "$tmp/.err")" 1
check_grep 'module not there: it names the module' "$tmp/nonexistent\\.so" "$tmp/.err"
check_eq 'module not there: nothing on stdout' "$(size "$tmp/.out")" 0
expect_code 'smime-decrypt, the module not there: 78' 78 \
    'smime-decrypt -S "$tmp/nomod" <"$tmp/v15.eml"'
check_eq 'smime-decrypt, module not there: one line on stderr' "$(lines "$tmp/.err")" 1

# 7. One login per process, one attempt: the identity's module is
# opensc's spy in front of SoftHSM, which logs every call.
pst=$tmp/spystore
P="-S $pst"
newstore "$pst"
# spyrun LOG CMD ARG...: CMD with the spy logging to $tmp/LOG.  Under
# valgrind, CMD itself (from $SMIME_TEST_BUILD): opensc's spy loses 16
# bytes of its own in C_GetFunctionList (as under pkcs11-tool), and the
# same code runs under valgrind on SoftHSM directly everywhere else.
spyrun() {
	_l=$1 _c=$2
	shift 2
	[ -n "${SMIME_TEST_VALGRIND-}" ] && [ -n "${SMIME_TEST_BUILD-}" ] &&
	    _c=$SMIME_TEST_BUILD/$_c
	# The same for LeakSanitizer, which sees the spy's losses too.
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
	    PKCS11SPY=$module PKCS11SPY_OUTPUT="$tmp/$_l" "$_c" "$@"
}
ok 'identity add --pkcs11 through the spy' \
    'spyrun spy.add certstore $P identity add --pkcs11 "$RSA" --module "$spy" --passin env:SMIME_PIN'
check_eq 'identity add: one C_Login' "$(logins "$tmp/spy.add")" 1
ok 'sign through the spy' \
    'msg help@example.org | spyrun spy.sign smime-sign $P --as help@example.org >"$tmp/s.eml"'
check_eq 'sign: one C_Login' "$(logins "$tmp/spy.sign")" 1
ok 'decrypt through the spy' \
    'spyrun spy.dec smime-decrypt $P <"$tmp/oaep.eml" >"$tmp/d.eml"'
check_eq 'decrypt: one C_Login' "$(logins "$tmp/spy.dec")" 1
expect_code 'wrong PIN through the spy: 77' 77 \
    'msg help@example.org | spyrun spy.wrong smime-sign $P --as help@example.org --passin pass:$wrong'
check_eq 'wrong PIN: one C_Login, not retried' "$(logins "$tmp/spy.wrong")" 1
check_grep 'and it was refused' 'CKR_PIN_INCORRECT' "$tmp/spy.wrong"
expect_code 'the next run, the right PIN: 77, the token not asked' 77 \
    'msg help@example.org | spyrun spy.next smime-sign $P --as help@example.org'
check_eq 'no C_Login after a failed one' "$(logins "$tmp/spy.next")" 0
expect_code 'identity add, the administrator, may try: 0' 0 \
    'spyrun spy.adm certstore $P identity add --pkcs11 "$RSA" --module "$spy" --passin env:SMIME_PIN'
check_eq 'identity add: one C_Login' "$(logins "$tmp/spy.adm")" 1
ok 'smime-verify with that store' \
    'spyrun spy.verify smime-verify $P --no-system-ca <"$tmp/s.eml" >"$tmp/v.eml"'
check_eq 'smime-verify: pass' "$(ar_result "$tmp/v.eml")" pass
check_eq 'smime-verify never loaded the module' "$(test -e "$tmp/spy.verify"; echo $?)" 1
ok 'smime-encrypt -t help@example.org with that store' \
    'msg alice@example.com | spyrun spy.enc smime-encrypt $P -t help@example.org >"$tmp/e.eml"'
check_grep 'smime-encrypt: encrypted' '^Content-Type: application/pkcs7-mime' "$tmp/e.eml"
check_eq 'smime-encrypt never loaded the module' "$(test -e "$tmp/spy.enc"; echo $?)" 1
ok 'and the token identity decrypts that' \
    'spyrun spy.dec2 smime-decrypt $P <"$tmp/e.eml" >"$tmp/d.eml"'
check_grep 'result=pass' 'result=pass' "$tmp/d.eml"

# 8. The store's lock is not held while the token works: with it held
# elsewhere, signing and decrypting go on, and identity add meets a
# wrong PIN (77) before it ever waits for the lock (75).
flock "$st/lock" sh -c 'touch "$1.held"; while [ ! -e "$1.free" ]; do sleep 0.1; done' sh "$tmp/lock" &
lockpid=$!
while [ ! -e "$tmp/lock.held" ]; do sleep 0.1; done
expect_code 'lock held: a writer of the store does wait for it (75)' 75 \
    'SMIME_STORE_LOCK_WAIT=1 certstore $S add "$pki/bob.pem"'
ok 'lock held: smime-sign --as (token) completes' \
    'msg help@example.org | smime-sign $S --as help@example.org >"$tmp/s.eml"'
ok 'lock held: smime-decrypt (token) completes' \
    'smime-decrypt $S <"$tmp/ecdh.eml" >"$tmp/d.eml"'
check_grep 'lock held: result=pass' 'result=pass' "$tmp/d.eml"
expect_code 'lock held: identity add with a wrong PIN is 77, not 75' 77 \
    'SMIME_STORE_LOCK_WAIT=1 certstore $S identity add --pkcs11 "$RSA" --module "$module" --passin pass:$wrong'
relogin
touch "$tmp/lock.free"
kill "$lockpid" 2>/dev/null
wait "$lockpid" 2>/dev/null

# The store's other verbs.
expect_code 'remove of a token identity'"'"'s certificate: 64' 64 \
    'certstore $S remove "$hd"'
check_grep 'it says to move the .p11 out first' "keys/$hd\\.p11" "$tmp/.err"
ok 'fsck: keys/<fp>.p11 accepted' 'certstore $S fsck'
bo=$(fp "$pki/bob.pem")
cp "$st/keys/$hd.p11" "$st/keys/$bo.p11"
must_fail 'fsck: a .p11 without its certificate is reported' 'certstore $S fsck'
check_grep 'naming it' "$bo" "$tmp/.err"
rm "$st/keys/$bo.p11"

# 9. procmail, scripts/procmailrc.smime as 0040-procmail.t drives it: a
# message signed by alice and encrypted to the token identity is
# delivered decrypted and verified.  The PIN comes from SMIME_PASSFILE.
printf '%s\n' "$pin" >"$tmp/pinfile"
chmod 600 "$tmp/pinfile"
printf 'From: Alice <alice@example.com>\nTo: help@example.org\nSubject: printer\nMessage-ID: <p1@example.com>\n\nplease help, the printer is on fire\n' |
    smime-sign -p "$tmp/alice.p12" --passin pass:test |
    smime-encrypt -r "$pki/helpdesk.pem" >"$tmp/in.eml"
bindir=$(dirname "$(command -v smime-decrypt)")
md=$tmp/Maildir
log=$tmp/procmail.log
mkdir -p "$md/new" "$md/cur" "$md/tmp"
ok 'procmail delivers' \
    'procmail -m SMIME_BINDIR="$bindir" SMIME_STORE="$st" SOFTHSM2_CONF="$SOFTHSM2_CONF" \
	SMIME_AUTHSERV_ID=mx.example.org SMIME_PASSFILE="$tmp/pinfile" \
	MAILDIR="$tmp" DEFAULT="$md/" LOGFILE="$log" TMPDIR="$tmp" \
	ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	"$scripts/procmailrc.smime" <"$tmp/in.eml"'
f=$(find "$md/new" -type f | head -1)
check_eq 'procmail: one message' "$(find "$md/new" -type f | wc -l)" 1
check_eq 'procmail: SMIME-Decrypt pass, by the token identity' \
    "$(dres "$f" | sed 's/; cipher=.*; recipient=sha256:/ /; s/; hp=.*//')" \
    "mx.example.org; result=pass X"
check_grep 'procmail: the recipient is helpdesk' "recipient=sha256:$hd" "$f"
check_eq 'procmail: Authentication-Results: smime=pass' "$(ar_result "$f")" pass
check_grep 'procmail: the signer is alice' 'smime-identifier=alice@example\.com' "$f"
check_grep 'procmail: the plaintext' '^please help, the printer is on fire' "$f"
check_nogrep 'procmail: the log has no failure' 'failed' "$log"

# 10. What the token says is not taken on trust.  A key whose public
# object (which anyone with the PIN may write) is carol's: the key
# itself must sign what carol's certificate checks.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/evil.key" 2>/dev/null
openssl pkey -in "$tmp/evil.key" -outform DER -out "$tmp/evil.der"
openssl x509 -in "$pki/carol.pem" -pubkey -noout |
    openssl pkey -pubin -outform DER -out "$tmp/carolpub.der"
pkcs11-tool --module "$module" --login --pin "$pin" --write-object \
    "$tmp/evil.der" --type privkey --label evil --id 09 --usage-sign \
    --usage-derive --sensitive >/dev/null 2>&1
pkcs11-tool --module "$module" --login --pin "$pin" --write-object \
    "$tmp/carolpub.der" --type pubkey --label evil --id 09 >/dev/null 2>&1
rm -f "$tmp/evil.key" "$tmp/evil.der"
E=$tmp/evilstore
newstore "$E"
expect_code 'a key whose public object is carol'"'"'s is not carol'"'"'s: 65' 65 \
    'certstore -S "$E" identity add --pkcs11 "pkcs11:token=smimetools;object=evil" --module "$module" -c "$pki/carol.pem" --passin env:SMIME_PIN'
check_grep 'it says so' "not the certificate's" "$tmp/.err"
check_eq 'and the store has no identity' "$(ls "$E/keys" | wc -l)" 0
# A relative PIN file is recorded by its absolute path: the filters run
# in another directory.
(cd "$tmp" && printf '%s\n' "$pin" >relpin && chmod 600 relpin)
ok 'identity add --passin file:RELATIVE' \
    'cd "$tmp" && certstore -S "$E" identity add --pkcs11 "$EC" --module "$module" --passin file:relpin'
check_grep 'it is recorded absolute' "^pin-source=file:$tmp/relpin\$" "$E/keys/$ca.p11"
ok 'and a filter elsewhere finds it' \
    'cd / && printf "From: carol@example.com\n\nx\n" | smime-sign -S "$E" >/dev/null'
# A second token with the same label: the URI no longer names one, and
# the key is not taken from whichever comes first.
softhsm2-util --init-token --free --label smimetools --pin "$pin" \
    --so-pin 5678 >/dev/null 2>&1
expect_code 'two tokens match the URI: 78' 78 \
    'msg help@example.org | smime-sign $S --as help@example.org'
check_grep 'it says serial= tells them apart' 'serial=' "$tmp/.err"

done_testing
