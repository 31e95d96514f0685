#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# The directory replicated: a gateway reading from a read-only consumer
# writes through the referral to the provider (one hop, never from TLS or
# a socket down to the clear); two providers in mirror mode take 50
# imports at once on two gateways and agree on every certificate, the
# greatest last-seen and the newest signature's capabilities; the server
# killed in a stream of imports leaves 75s, intact input and no partial
# entry; fsck over the directory finds a tampered entry, --repair mends
# it and deletes nothing.
. "$(dirname "$0")/lib.sh"
plan 47

pki=$testdir/pki
private_keys alice bob carol dave helpdesk
base=dc=example,dc=org
t_start=$(date +%s)

fp() {
	openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64
}
# search DIR FILTER ATTR...: ldapsearch on the server of DIR, LDIF unwrapped.
search() {
	_d=$1 _f=$2
	shift 2
	ldapsearch -x -LLL -o ldif-wrap=no -H "$(slapd_get "$_d" host)" \
	    -b "$base" "$_f" "$@" 2>/dev/null
}
count() {
	search "$1" "$2" dn | grep -c '^dn:'
}
# poll CMD: CMD succeeds within 15 s.
poll() {
	_i=0
	while [ "$_i" -lt 150 ]; do
		eval "$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# taken DIR FP ATTR: the value a reader takes (the greatest; of the
# capabilities, the one with the greatest time).
taken() {
	search "$1" "(smimeFingerprint=$2)" "$3" |
	    sed -n "s/^$3: //p" | sort | tail -1
}
msg() {	# msg FROM N
	printf 'From: %s\nTo: help@example.org\nSubject: help %s\nMessage-ID: <%s.%s@example.com>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nthe secret line\n' \
	    "$1" "$2" "$2" "$$"
}
# Two generations per sender, a second apart: the old one signed by
# openssl (its capabilities list CBC first), the new by smime-sign
# (AES-GCM first), so that the newest signature's capabilities are known.
senders="alice bob carol dave"
addr() {	# addr NAME: the address of NAME's certificate
	case $1 in helpdesk) echo help@example.org ;; *) echo "$1@example.com" ;; esac
}
osign() {	# osign SENDER GEN: signed by openssl, the header outside too
	printf 'From: %s\nTo: help@example.org\nSubject: help %s\n' \
	    "$(addr "$1")" "$2"
	msg "$(addr "$1")" "$2" | openssl cms -sign -signer "$pki/$1.pem" \
	    -inkey "$tmp/$1.key" -certfile "$pki/chain.pem"
}
# helpdesk's first, older still, by smime-sign: the old one after it
# brings other capabilities.
msg help@example.org gen0 |
    smime-sign -p "$tmp/helpdesk.p12" --passin pass:test >"$tmp/helpdesk.gen0"
sleep 1.1
for s in $senders helpdesk; do
	osign "$s" old >"$tmp/$s.old"
done
sleep 1.1
for s in $senders helpdesk; do
	msg "$(addr "$s")" new |
	    smime-sign -p "$tmp/$s.p12" --passin pass:test >"$tmp/$s.new"
done
gateway() {	# gateway NAME: a store with the test anchor
	certstore -S "$tmp/$1" init &&
	    certstore -S "$tmp/$1" trust add "$pki/root-ca.pem"
}

# (a) A provider and a read-only consumer.  Gateway A reads from the
# consumer; its writes are referred to the provider.
p=$tmp/prov c=$tmp/cons
slapd_start "$p" --provider &&
    slapd_start "$c" --consumer-of "$(slapd_get "$p" ldapi)"
check_eq 'a provider and a consumer start' "$?" 0
gw="--bind-dn cn=gateway,$base --bind-passin file:$p/gateway.pw"
poll '[ "$(count "$c" "(cn=gateway)")" = 1 ]'
gateway a && gateway b && certstore -S "$tmp/a" ldap set "$(slapd_get "$c" url)" $gw &&
    certstore -S "$tmp/b" ldap set "$(slapd_get "$c" url)" $gw
check_eq 'gateways A and B read from the consumer' "$?" 0
ok 'A: an import on the consumer is referred to the provider' \
    'smime-verify -S "$tmp/a" --import -v <"$tmp/alice.new" >/dev/null'
check_grep '... and says so' "writes referred to $(slapd_get "$p" host)" \
    "$tmp/.err"
check_eq '... the provider has the entry at once' \
    "$(count "$p" "(mail=alice@example.com)")" 1
poll '[ "$(count "$c" "(mail=alice@example.com)")" = 1 ]'
check_eq '... and the consumer within 15 s' "$?" 0
msg help@example.org reply | sed 's/^From: .*/From: help@example.org/' \
    >"$tmp/reply.eml"
ok 'B, reading from the consumer, encrypts to alice' \
    'smime-encrypt -S "$tmp/b" -t alice@example.com <"$tmp/reply.eml" >"$tmp/e.eml"'
ok '... and alice decrypts it' \
    'openssl cms -decrypt -in "$tmp/e.eml" -inkey "$tmp/alice.key" -recip "$pki/alice.pem" -out /dev/null'
ls1=$(taken "$p" "$(fp "$pki/alice.pem")" smimeLastSeen)
ok 'A: a second import (a change, not an add) through the referral' \
    'smime-verify -S "$tmp/a" --import <"$tmp/alice.new" >/dev/null'
ls2=$(taken "$p" "$(fp "$pki/alice.pem")" smimeLastSeen)
check_eq '... one last-seen on the provider, the later one' \
    "$(search "$p" "(mail=alice@example.com)" smimeLastSeen |
    grep -c '^smimeLastSeen:'):$([ "$ls2" \> "$ls1" ] && echo later)" 1:later
# From a socket, with a password: the consumer refers to ldap:// in the
# clear, which is not followed.
gateway s && certstore -S "$tmp/s" ldap set "$(slapd_get "$c" ldapi)" $gw
cp "$tmp/bob.new" "$tmp/bob.in"
expect_code 'from ldapi:// the referral to ldap:// is refused (75)' 75 \
    'smime-verify -S "$tmp/s" --import -i "$tmp/bob.in" -o "$tmp/s.out"'
check_grep '... naming both servers' \
    "ldapi://.* refers our writes to $(slapd_get "$p" host), which would not be protected" \
    "$tmp/.err"
check_eq '... the input intact, no output, nothing written' \
    "$(cmp -s "$tmp/bob.in" "$tmp/bob.new" && echo same):$([ -e "$tmp/s.out" ] && echo out):$(count "$p" "(mail=bob@example.com)")" \
    same::0
slapd_stop "$c"
slapd_stop "$p"

# (b) Two providers in mirror mode (delta-syncrepl).  Gateway A writes
# to mirror 1, B to mirror 2: 50 imports at once, 25 each, every sender
# on both sides, old and new signatures mixed.
m1=$tmp/m1 m2=$tmp/m2
slapd_start "$m1" --provider --serverid 1 &&
    slapd_start "$m2" --mirror-with "$(slapd_get "$m1" ldapi)" --serverid 2
check_eq 'two mirrors start' "$?" 0
poll '[ "$(count "$m2" "(cn=gateway)")" = 1 ]'
gw="--bind-dn cn=gateway,$base --bind-passin file:$m1/gateway.pw"
gateway ma && gateway mb &&
    certstore -S "$tmp/ma" ldap set "$(slapd_get "$m1" url)" $gw &&
    certstore -S "$tmp/mb" ldap set "$(slapd_get "$m2" url)" $gw
check_eq 'gateway A on mirror 1, B on mirror 2' "$?" 0
t0=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
pids=
i=0
while [ "$i" -lt 25 ]; do
	set -- $senders
	shift $((i % 4))
	s=$1
	g=old
	[ $((i / 4 % 2)) -eq 1 ] && g=new
	[ "$i" -ge 20 ] && g=new
	for gw in ma mb; do
		smime-verify -S "$tmp/$gw" --import <"$tmp/$s.$g" >/dev/null \
		    2>>"$tmp/m.err" &
		pids="$pids $!"
	done
	i=$((i + 1))
done
bad=0 n=0
for pid in $pids; do
	n=$((n + 1))
	wait "$pid" || bad=$((bad + 1))
done
check_eq '50 imports at once on two mirrors: none fails' "$n:$bad" 50:0
[ "$bad" -eq 0 ] || sed 's/^/# /' "$tmp/m.err" | head -5
# Settled: both mirrors hold the same values of our attributes.
state() {
	search "$1" '(objectClass=smimetoolsCertificate)' smimeFingerprint \
	    mail smimeLastSeen smimeCapabilities smimeSigningTime |
	    grep -v '^dn:' | sort
}
poll '[ "$(state "$m1")" = "$(state "$m2")" ]'
check_eq 'the mirrors converge within 15 s' "$?" 0
for s in $senders; do
	f=$(fp "$pki/$s.pem")
	c1=$(count "$m1" "(smimeFingerprint=$f)")
	c2=$(count "$m2" "(smimeFingerprint=$f)")
	l1=$(taken "$m1" "$f" smimeLastSeen)
	l2=$(taken "$m2" "$f" smimeLastSeen)
	k1=$(taken "$m1" "$f" smimeCapabilities | cut -d' ' -f2)
	k2=$(taken "$m2" "$f" smimeCapabilities | cut -d' ' -f2)
	check_eq "$s: on both mirrors, the same greatest last-seen (after the start), the newest signature's capabilities" \
	    "$c1$c2:$([ "$l1" = "$l2" ] && [ "$l1" \> "$t0" ] && echo same):$k1:$k2" \
	    "11:same:aes-256-gcm:aes-256-gcm"
done
ok 'B gets from mirror 2 what either gateway imported' \
    'for s in $senders; do certstore -S "$tmp/mb" get $s@example.com >/dev/null || exit 1; done'
ok 'fsck over mirror 1 is clean' 'certstore -S "$tmp/ma" fsck'
# Partitioned: an entry both mirrors hold; the new signature imported on
# mirror 1 while mirror 2 is down, then an older one, later, on mirror 2
# while mirror 1 is down, so that mirror 2 has not heard of the newer.
# Once they meet, both last-seen values are there, and the newer
# signature's capabilities are what readers take, though the older
# arrived last.
fh=$(fp "$pki/helpdesk.pem")
smime-verify -S "$tmp/ma" --import <"$tmp/helpdesk.gen0" >/dev/null
poll '[ "$(count "$m2" "(smimeFingerprint=$fh)")" = 1 ]'
slapd_stop "$m2" &&
    smime-verify -S "$tmp/ma" --import <"$tmp/helpdesk.new" >/dev/null &&
    slapd_stop "$m1" && slapd_start "$m2" &&
    smime-verify -S "$tmp/mb" --import <"$tmp/helpdesk.old" >/dev/null &&
    slapd_start "$m1"
check_eq 'partitioned: new on mirror 1, then old on mirror 2' "$?" 0
poll '[ "$(state "$m1")" = "$(state "$m2")" ] && [ "$(search "$m1" "(smimeFingerprint=$fh)" smimeLastSeen | grep -c "^smimeLastSeen:")" = 2 ]'
check_eq '... they converge, both last-seen values kept' "$?" 0
# DEBUG72=1 in the environment shows the entry on both.
[ -n "${DEBUG72-}" ] && { search "$m1" "(smimeFingerprint=$fh)"; search "$m2" "(smimeFingerprint=$fh)"; tail -5 "$m1/slapd.log"; } | sed 's/^/# /'
check_eq '... readers take the newer signature'"'"'s capabilities on both' \
    "$(taken "$m1" "$fh" smimeCapabilities | cut -d' ' -f2):$(taken "$m2" "$fh" smimeCapabilities | cut -d' ' -f2)" \
    aes-256-gcm:aes-256-gcm
slapd_stop "$m2"
slapd_stop "$m1"

# (c) The directory killed in a stream of imports.
k=$tmp/kill
slapd_start "$k"
check_eq 'a server for the stream' "$?" 0
gw="--bind-dn cn=gateway,$base --bind-passin file:$k/gateway.pw"
gateway k && certstore -S "$tmp/k" ldap set "$(slapd_get "$k" url)" $gw --timeout 2
(
	i=0
	for g in old new old new old new old new old new; do
		for s in $senders; do
			i=$((i + 1))
			cp "$tmp/$s.$g" "$tmp/in.$i"
			smime-verify -S "$tmp/k" --import -i "$tmp/in.$i" \
			    -o "$tmp/out.$i" 2>"$tmp/err.$i"
			echo $? >"$tmp/rc.$i"
		done
	done
) &
stream=$!
poll '[ -e "$tmp/rc.6" ]'
slapd_kill9 "$k"
wait "$stream"
codes=$(cat "$tmp"/rc.* | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
echo "# the stream's exit codes: $codes"
check_eq 'every import exits 0 or 75, some of each' \
    "$(cat "$tmp"/rc.* | sort -u | tr '\n' ' ')" '0 75 '
intact=0 fail=0
for r in "$tmp"/rc.*; do
	i=${r##*.}
	[ "$(cat "$r")" = 75 ] || continue
	fail=$((fail + 1))
	set -- $senders
	shift $(((i - 1) % 4))
	g=old
	[ $(((i - 1) / 4 % 2)) -eq 1 ] && g=new
	cmp -s "$tmp/in.$i" "$tmp/$1.$g" && [ ! -e "$tmp/out.$i" ] &&
	    grep -q "127.0.0.1" "$tmp/err.$i" && intact=$((intact + 1))
done
check_eq '... each 75 left its input intact, wrote nothing and named the server' \
    "$intact" "$fail"
slapd_start "$k"
check_eq 'the server starts again, same port, same data' "$?" 0
check_eq 'no partial entry: each has its certificate, fingerprint and mail (a CA its subject hash)' \
    "$(count "$k" '(&(objectClass=smimetoolsCertificate)(|(!(userCertificate=*))(!(smimeFingerprint=*))(!(smimeNotAfter=*))(&(!(mail=*))(!(smimeSubjectHash=*)))))')" 0
ok 'fsck over the directory after the restart is clean' \
    'certstore -S "$tmp/k" fsck'

# (d) fsck finds a tampered entry and --repair mends it; forged entries
# (0071's kind) are reported and never deleted.
fa=$(fp "$pki/alice.pem")
ldapw() {
	"$@" -x -H "$(slapd_get "$k" host)" -D "cn=gateway,$base" \
	    -y "$k/gateway.pw" >/dev/null
}
ok 'a writer changes alice'"'"'s mail and adds a second last-seen' \
    'printf "dn: smimeFingerprint=%s,%s\nchangetype: modify\nreplace: mail\nmail: mallory@example.com\n-\nadd: smimeLastSeen\nsmimeLastSeen: 2001-01-01T00:00:00.000000Z\n-\n" "$fa" "$base" | ldapw ldapmodify'
{
	fd=$(fp "$pki/untrusted.pem")
	printf 'dn: smimeFingerprint=%s,%s\nobjectClass: inetOrgPerson\nobjectClass: smimetoolsCertificate\ncn: forged\nsn: %s\nsmimeFingerprint: %s\nmail: carol@example.com\nuserCertificate;binary:: %s\n\n' \
	    "$fd" "$base" "$fd" "$fd" \
	    "$(openssl x509 -in "$pki/carol.pem" -outform DER | base64 -w0)"
	fz=0000000000000000000000000000000000000000000000000000000000000000
	printf 'dn: smimeFingerprint=%s,%s\nobjectClass: inetOrgPerson\nobjectClass: smimetoolsCertificate\ncn: forged\nsn: %s\nsmimeFingerprint: %s\nmail: alice@example.com\n\n' \
	    "$fz" "$base" "$fz" "$fz"
} >"$tmp/forged.ldif"
ok 'a writer adds forged entries' 'ldapw ldapadd -f "$tmp/forged.ldif"'
expect_code 'fsck: problems left (78)' 78 'certstore -S "$tmp/k" fsck'
cp "$tmp/.err" "$tmp/fsck1"
check_grep '... the changed mail' "$fa.*mail 'mallory@example.com' is not the certificate's" "$tmp/fsck1"
check_grep '... alice'"'"'s address missing' "$fa.*mail 'alice@example.com' is missing" "$tmp/fsck1"
check_grep '... two last-seen values' "$fa.*2 values of smimeLastSeen" "$tmp/fsck1"
check_grep '... the entry whose certificate is not its name' \
    "$(fp "$pki/untrusted.pem").*not the one its name says" "$tmp/fsck1"
check_grep '... the entry without a certificate' "$fz.*no certificate" \
    "$tmp/fsck1"
before=$(taken "$k" "$fa" smimeLastSeen)
expect_code 'fsck --repair: the forged entries are left (78)' 78 \
    'certstore -S "$tmp/k" fsck --repair -v'
check_eq 'alice'"'"'s entry: her address alone, one last-seen, the greatest' \
    "$(search "$k" "(smimeFingerprint=$fa)" mail smimeLastSeen |
    sed -n 's/^\(mail\|smimeLastSeen\): //p' | sort | tr '\n' ' ')" \
    "$before alice@example.com "
check_eq 'the forged entries are still there' \
    "$(count "$k" '(cn=forged)')" 2
expect_code 'fsck again: the forged entries alone (78)' 78 \
    'certstore -S "$tmp/k" fsck'
check_eq '... two problems, none of alice'"'"'s' \
    "$(grep -c "$fa" "$tmp/.err"):$(grep -c 'problems left' "$tmp/.err")" 0:1
check_grep '... 2 problems left' 'fsck: 2 problems left' "$tmp/.err"
ok 'get alice works again on the repaired entry' \
    'certstore -S "$tmp/k" get alice@example.com >/dev/null'
slapd_stop "$k"
echo "# $(($(date +%s) - t_start)) s"
done_testing
