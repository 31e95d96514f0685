#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# scripts/test-slapd, the directory server of the LDAP tests, driven with
# ldap-utils alone: the smimetools schema loads and an entry as the store
# writes it is found by mail; filters with RFC 4515 escapes; the gateway
# and the local user (SASL EXTERNAL) write, anonymous only reads, nobody
# reads a password; the RFC 4528 assertion control; stop, kill -9 and
# start again on the same port with the data; a consumer follows its
# provider and refers writes to it; two mirrors converge, and concurrent
# value-level adds on both keep both values with delta-syncrepl, where
# plain syncrepl keeps the entry written last.  No slapd is left running.
. "$(dirname "$0")/lib.sh"
plan 74

LDAPNOINIT=1
export LDAPNOINIT
pki=$testdir/pki
base=dc=example,dc=org
pids=

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# started DIR: note its pid, to check at the end that it is gone.
started() {
	pids="$pids $(slapd_get "$1" pid)"
}

# search DIR FILTER [ATTR...]: anonymous, over TCP, unwrapped LDIF.
search() {
	_d=$1 _f=$2
	shift 2
	ldapsearch -LLL -x -o ldif-wrap=no -o nettimeout=5 \
	    -H "$(slapd_get "$_d" host)" -b "$base" "$_f" "$@"
}

count() {
	search "$1" "$2" 1.1 | grep -c '^dn:'
}

# values DIR FP ATTR: the entry's values of ATTR, sorted, on one line.
values() {
	search "$1" "(smimeFingerprint=$2)" "$3" | sed -n "s/^$3: //p" |
	    sort | tr '\n' ' ' | sed 's/ $//'
}

# gw DIR [OPTION...]: ldapmodify as the gateway (simple bind), LDIF on
# stdin.
gw() {
	_d=$1
	shift
	ldapmodify -x -o nettimeout=5 -H "$(slapd_get "$_d" host)" \
	    -D "$(slapd_get "$_d" gateway_dn)" -y "$_d/gateway.pw" "$@"
}

# has DIR FILTER N: a search finds N entries.
has() {
	[ "$(count "$1" "$2")" -eq "$3" ]
}

# gone PID: no such process (a zombie nobody reaped counts as gone).
gone() {
	! kill -0 "$1" 2>/dev/null ||
	    [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# poll CMD: CMD succeeds within 10 s.
poll() {
	_i=0
	while [ "$_i" -lt 100 ]; do
		eval "$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# entry NAME FP MAIL: an entry as the store writes it, the certificate
# of testdata/pki/NAME.pem.
entry() {
	openssl x509 -in "$pki/$1.pem" -outform DER -out "$tmp/$1.der"
	openssl crl2pkcs7 -nocrl -certfile "$pki/$1.pem" -outform DER \
	    -out "$tmp/$1.p7"
	cat <<EOF
dn: smimeFingerprint=$2,$base
changetype: add
objectClass: inetOrgPerson
objectClass: smimetoolsCertificate
cn: $3
sn: $2
mail: $3
smimeFingerprint: $2
userCertificate;binary:< file://$tmp/$1.der
userSMIMECertificate:< file://$tmp/$1.p7
smimeFirstSeen: 2026-11-20T09:14:03.518204Z
smimeLastSeen: 2026-11-23T08:00:12.004711Z
smimeSigningTime: 2026-11-23T08:00:09.000000Z
smimeKeyPreference: 2026-11-23T08:00:12.004711Z
smimeCapabilities: 2026-11-23T08:00:12.004711Z aes-256-gcm aes-128-gcm
smimeMessageId: <20261123080011.4711@example.com>
smimeSource: smime-verify --import
smimeMeta: future-field: kept as it came
smimeSubjectHash: ca:$(openssl x509 -in "$pki/$1.pem" -noout -subject_hash)
smimeNotAfter: 2099-12-31T23:59:59.000000Z
smimeFlags: no-encrypt
EOF
}

fp() {
	openssl x509 -in "$pki/$1.pem" -outform DER |
	    openssl dgst -sha256 -r | cut -c1-64
}

# mod FP OP ATTR VALUE: a one-change modify of one entry.
mod() {
	printf 'dn: smimeFingerprint=%s,%s\nchangetype: modify\n%s: %s\n%s: %s\n' \
	    "$1" "$base" "$2" "$3" "$3" "$4"
}

fa=$(fp alice)
fb=$(fp bob)
fc=$(fp carol)
entry alice "$fa" alice@example.com >"$tmp/alice.ldif"
entry bob "$fb" bob@example.com >"$tmp/bob.ldif"
entry carol "$fc" carol@example.com >"$tmp/carol.ldif"

# One server.
s1=$tmp/s1
t00=$(now_ms)
t0=$t00
slapd_start "$s1"
check_eq 'start: a server answers' "$?" 0
echo "# start took $(($(now_ms) - t0)) ms"
started "$s1"
pid1=$(slapd_get "$s1" pid)
check_eq 'DIR/slapd.pid holds the pid printed' "$(cat "$s1/slapd.pid")" "$pid1"
check_eq 'its process is a slapd' "$(cat "/proc/$pid1/comm")" slapd
check_eq 'DIR/gateway.pw is mode 0600' "$(stat -c %a "$s1/gateway.pw")" 600
check_grep 'url: 127.0.0.1, a port, the base' \
    '^url=ldap://127\.0\.0\.1:[0-9]+/dc=example,dc=org$' "$s1/env"
check_grep 'ldapi: the socket in DIR, URL-encoded' \
    '^ldapi=ldapi://%2F.*%2Fldapi/dc=example,dc=org$' "$s1/env"
check_eq 'the socket is in DIR' "$(stat -c %F "$s1/ldapi")" socket
check_eq 'the base entry is there' \
    "$(count "$s1" '(objectClass=organization)')" 1

ok 'the gateway adds an entry as designed (inetOrgPerson, smimetoolsCertificate, every smime attribute, userSMIMECertificate)' \
    'gw "$s1" <"$tmp/alice.ldif"'
search "$s1" '(mail=alice@example.com)' 1.1 >"$tmp/found"
check_grep 'found by (mail=alice@example.com), named by its fingerprint' \
    "^dn: smimeFingerprint=$fa,$base\$" "$tmp/found"
mkdir "$tmp/vals"
ldapsearch -LLL -x -o ldif-wrap=no -t -T "$tmp/vals" -H "$(slapd_get "$s1" host)" -b "$base" \
    '(mail=alice@example.com)' 'userCertificate;binary' >"$tmp/cert.ldif"
check_same 'userCertificate;binary is the DER' "$tmp/alice.der" \
    "$(sed -n 's|^userCertificate;binary:< file://||p' "$tmp/cert.ldif")"
upper=$(echo "$fa" | tr a-f A-F)
check_eq 'smimeFingerprint matches in upper case too (caseIgnoreIA5Match)' \
    "$(count "$s1" "(smimeFingerprint=$upper)")" 1
check_eq 'found by smimeSubjectHash' \
    "$(count "$s1" "(smimeSubjectHash=ca:$(openssl x509 -in "$pki/alice.pem" -noout -subject_hash))")" 1
check_eq 'smimeCapabilities: the time, then the names' \
    "$(values "$s1" "$fa" smimeCapabilities)" \
    '2026-11-23T08:00:12.004711Z aes-256-gcm aes-128-gcm'
check_eq 'smimeMeta keeps a line of a newer version' \
    "$(values "$s1" "$fa" smimeMeta)" 'future-field: kept as it came'

# The schema refuses what the design does not allow.
mod "$fa" add smimeFingerprint "$fb" >"$tmp/two-fp.ldif"
must_fail 'smimeFingerprint is single-valued' 'gw "$s1" <"$tmp/two-fp.ldif"'
mod "$fa" add smimeSource 'certstore add' >"$tmp/two-src.ldif"
must_fail 'smimeSource is single-valued' 'gw "$s1" <"$tmp/two-src.ldif"'
printf 'dn: cn=x,%s\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: smimetoolsCertificate\ncn: x\nsn: x\n' \
    "$base" >"$tmp/nofp.ldif"
must_fail 'smimetoolsCertificate must have smimeFingerprint' \
    'gw "$s1" <"$tmp/nofp.ldif"'
mod "$fa" add smimeLastSeen 2026-12-01T00:00:00.000001Z >"$tmp/ls.ldif"
ok 'smimeLastSeen takes a second value' 'gw "$s1" <"$tmp/ls.ldif"'

# RFC 4528: the modify is done only while the values read are there.
printf 'dn: smimeFingerprint=%s,%s\nchangetype: modify\ndelete: smimeLastSeen\nsmimeLastSeen: 2026-11-23T08:00:12.004711Z\n-\nadd: smimeLastSeen\nsmimeLastSeen: 2026-12-02T00:00:00.000002Z\n' \
    "$fa" "$base" >"$tmp/swap.ldif"
expect_code 'assertion control: a stale assertion is assertionFailed (122)' 122 \
    'gw "$s1" -e "assert=(smimeLastSeen=2026-01-01T00:00:00.000000Z)" <"$tmp/swap.ldif"'
check_eq '... and changes nothing' "$(values "$s1" "$fa" smimeLastSeen)" \
    '2026-11-23T08:00:12.004711Z 2026-12-01T00:00:00.000001Z'
ok 'assertion control: the values read still there, the modify is done' \
    'gw "$s1" -e "assert=(&(smimeLastSeen=2026-11-23T08:00:12.004711Z)(smimeLastSeen=2026-12-01T00:00:00.000001Z))" <"$tmp/swap.ldif"'
check_eq '... value-level: the old value deleted, the new added' \
    "$(values "$s1" "$fa" smimeLastSeen)" \
    '2026-12-01T00:00:00.000001Z 2026-12-02T00:00:00.000002Z'

# Who may do what.
search "$s1" '(cn=gateway)' '*' userPassword >"$tmp/gwentry"
check_grep 'anonymous sees the gateway entry' '^dn: cn=gateway,' "$tmp/gwentry"
check_nogrep '... but not its password' '^userPassword' "$tmp/gwentry"
must_fail 'anonymous cannot write' \
    'ldapmodify -x -H "$(slapd_get "$s1" host)" <"$tmp/bob.ldif"'
echo wrong >"$tmp/wrong.pw"
expect_code 'a wrong gateway password is invalidCredentials (49)' 49 \
    'ldapmodify -x -H "$(slapd_get "$s1" host)" -D "$(slapd_get "$s1" gateway_dn)" -y "$tmp/wrong.pw" <"$tmp/bob.ldif"'
ldapwhoami -Q -Y EXTERNAL -H "$(slapd_get "$s1" ldapi_host)" >"$tmp/whoami" 2>&1
check_grep 'ldapi, SASL EXTERNAL: the current uid' \
    "^dn:gidNumber=$(id -g)\\+uidNumber=$(id -u),cn=peercred,cn=external,cn=auth\$" \
    "$tmp/whoami"
ok 'ldapi, SASL EXTERNAL: the current user writes' \
    'ldapmodify -Q -Y EXTERNAL -H "$(slapd_get "$s1" ldapi_host)" <"$tmp/bob.ldif"'

# RFC 4515: *, (, ) and \ in a value are escaped as \2a, \28, \29, \5c.
printf 'dn: smimeFingerprint=%064d,%s\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: smimetoolsCertificate\ncn: odd\nsn: odd\nsmimeFingerprint: %064d\nmail: a*b(c)\\d@example.com\n' \
    0 "$base" 0 >"$tmp/odd.ldif"
ok 'an address with * ( ) \ is stored' 'gw "$s1" <"$tmp/odd.ldif"'
check_eq 'the escaped filter finds it' \
    "$(count "$s1" '(mail=a\2ab\28c\29\5cd@example.com)')" 1
check_eq '(mail=\2a) is a literal *: no match' "$(count "$s1" '(mail=\2a)')" 0
check_eq '(mail=*) is presence: all three' "$(count "$s1" '(mail=*)')" 3
check_eq 'x*)(mail=* escaped matches nothing' \
    "$(count "$s1" '(mail=x\2a\29\28mail=\2a)')" 0
# mail is an IA5String (core.ldif): an internationalised address
# (RFC 6531) cannot be a value of it.
printf 'dn: smimeFingerprint=%064d,%s\nchangetype: modify\nadd: mail\nmail: \303\251l\303\250ve@example.com\n' \
    0 "$base" >"$tmp/utf8.ldif"
expect_code 'a UTF-8 address in mail is invalidAttributeSyntax (21)' 21 \
    'gw "$s1" <"$tmp/utf8.ldif"'

# A server without the schema: an entry of ours is refused until the
# schema is loaded, over ldapi, as an administrator would.
bare=$tmp/bare
slapd_start "$bare" --no-schema && started "$bare"
check_eq 'start --no-schema' "$?" 0
must_fail 'without the schema, smimetoolsCertificate is unknown' \
    'gw "$bare" <"$tmp/alice.ldif"'
ok 'ldapadd -Y EXTERNAL -H ldapi://... loads scripts/smimetools.ldif' \
    'ldapadd -Q -Y EXTERNAL -H "$(slapd_get "$bare" ldapi_host)" -f "$testdir/../scripts/smimetools.ldif"'
ok '... then the entry is taken' 'gw "$bare" <"$tmp/alice.ldif"'
check_eq '... and found by mail' "$(count "$bare" '(mail=alice@example.com)')" 1
slapd_stop "$bare"

# Stop, start again, kill -9.
slapd_stop "$s1"
check_eq 'stop: done' "$?" 0
ok 'stop: the process is gone' 'gone "$pid1"'
check_eq 'stop: no pid file left' "$(ls "$s1/slapd.pid" 2>/dev/null)" ''
ok 'stop: the port refuses' \
    '! ldapsearch -x -o nettimeout=2 -H "$(slapd_get "$s1" host)" -b "" -s base'
port1=$(slapd_get "$s1" port)
slapd_start "$s1"
check_eq 'start again: it answers' "$?" 0
started "$s1"
check_eq 'start again: the same port' "$(slapd_get "$s1" port)" "$port1"
check_eq 'start again: the data kept' "$(count "$s1" '(mail=*)')" 3
pid1=$(slapd_get "$s1" pid)
slapd_kill9 "$s1"
check_eq 'kill9: done' "$?" 0
ok 'kill9: the process is gone' 'gone "$pid1"'
ok 'stop of a server not running: nothing to do' 'slapd_stop "$s1"'

# A provider and a consumer (delta-syncrepl).
p=$tmp/p
c=$tmp/c
slapd_start "$p" --provider && started "$p"
check_eq 'start --provider' "$?" 0
slapd_start "$c" --consumer-of "$(slapd_get "$p" ldapi)" && started "$c"
check_eq 'start --consumer-of' "$?" 0
poll 'has "$c" "(cn=gateway)" 1'
check_eq 'the consumer takes the base from the provider' "$?" 0
gw "$p" <"$tmp/bob.ldif" >/dev/null
t0=$(now_ms)
poll 'has "$c" "(mail=bob@example.com)" 1'
check_eq 'an entry added on the provider is on the consumer within 10 s' "$?" 0
echo "# replicated in $(($(now_ms) - t0)) ms"
expect_code 'a write to the consumer is a referral (10)' 10 \
    'gw "$c" <"$tmp/carol.ldif"'
last_err >"$tmp/referral"
check_grep '... to the provider' \
    "^[[:space:]]*$(slapd_get "$p" host)" "$tmp/referral"

# Two providers in mirror mode, delta-syncrepl, then plain syncrepl.
# Concurrent writes are made deterministic by a partition: one mirror is
# written while the other is down, then the other while the first is.
partition() {	# M1 M2 LDIF1 LDIF2
	slapd_stop "$2" && gw "$1" <"$3" >/dev/null && slapd_stop "$1" &&
	    slapd_start "$2" && started "$2" && gw "$2" <"$4" >/dev/null &&
	    slapd_start "$1" && started "$1"
}

# converged M1 M2 FP ATTR: both have the same values, printed.
converged() {
	poll "[ \"\$(values $1 $3 $4)\" = \"\$(values $2 $3 $4)\" ]" || return 1
	values "$1" "$3" "$4"
}

for mode in delta plain; do
	echo "# $mode mirrors from $(($(now_ms) - t00)) ms"
	m1=$tmp/$mode-m1
	m2=$tmp/$mode-m2
	opt=
	[ "$mode" = plain ] && opt=--plain
	slapd_start "$m1" --provider --serverid 1 $opt && started "$m1" &&
	    slapd_start "$m2" --mirror-with "$(slapd_get "$m1" ldapi)" \
	    --serverid 2 && started "$m2"
	check_eq "$mode: two mirrors start" "$?" 0
	gw "$m1" <"$tmp/alice.ldif" >/dev/null
	gw "$m2" <"$tmp/bob.ldif" >/dev/null
	poll 'has "$m2" "(mail=alice@example.com)" 1'
	check_eq "$mode: an entry added on the first is on the second" "$?" 0
	poll 'has "$m1" "(mail=bob@example.com)" 1'
	check_eq "$mode: an entry added on the second is on the first" "$?" 0

	# At once: one value added on each mirror.
	mod "$fa" add smimeMeta 'x-a: 1' >"$tmp/a.ldif"
	mod "$fa" add smimeMeta 'x-b: 2' >"$tmp/b.ldif"
	gw "$m1" <"$tmp/a.ldif" >/dev/null &
	ja=$!
	gw "$m2" <"$tmp/b.ldif" >/dev/null &
	jb=$!
	wait "$ja" && wait "$jb"
	check_eq "$mode: two adds at once on the two mirrors" "$?" 0
	got=$(converged "$m1" "$m2" "$fa" smimeMeta)
	echo "# $mode, two adds at once: $got"
	[ "$mode" = plain ] ||
	    check_eq 'delta: two adds at once, both values on both' "$got" \
	    'future-field: kept as it came x-a: 1 x-b: 2'

	# Partitioned: smimeLastSeen A on the first, B later on the second.
	mod "$fa" add smimeLastSeen 2026-12-07T00:00:01.000000Z >"$tmp/a.ldif"
	mod "$fa" add smimeLastSeen 2026-12-07T00:00:02.000000Z >"$tmp/b.ldif"
	partition "$m1" "$m2" "$tmp/a.ldif" "$tmp/b.ldif"
	check_eq "$mode: value A added on one while the other is down, B on the other" "$?" 0
	got=$(converged "$m1" "$m2" "$fa" smimeLastSeen)
	echo "# $mode, partitioned adds: $got ($(($(now_ms) - t00)) ms)"
	if [ "$mode" = delta ]; then
		check_eq 'delta: both values on both mirrors' "$got" \
		    '2026-11-23T08:00:12.004711Z 2026-12-07T00:00:01.000000Z 2026-12-07T00:00:02.000000Z'
	else
		check_eq 'plain: the entry written last wins, A is lost' "$got" \
		    '2026-11-23T08:00:12.004711Z 2026-12-07T00:00:02.000000Z'
	fi

	# Partitioned: a replace on each.
	mod "$fa" replace smimeSigningTime 2026-12-07T00:00:03.000000Z >"$tmp/a.ldif"
	mod "$fa" replace smimeSigningTime 2026-12-07T00:00:04.000000Z >"$tmp/b.ldif"
	partition "$m1" "$m2" "$tmp/a.ldif" "$tmp/b.ldif"
	check_eq "$mode: a replace on one while the other is down, then on the other" "$?" 0
	got=$(converged "$m1" "$m2" "$fa" smimeSigningTime)
	echo "# $mode, partitioned replaces: $got"
	check_eq "$mode: the later replace wins on both" "$got" \
	    2026-12-07T00:00:04.000000Z
done

# Nothing left running.
echo "# all done in $(($(now_ms) - t00)) ms"
for d in "$s1" "$bare" "$p" "$c" "$tmp"/delta-m1 "$tmp"/delta-m2 "$tmp"/plain-m1 \
    "$tmp"/plain-m2; do
	slapd_stop "$d"
done
left=
for pid in $pids; do
	gone "$pid" || left="$left $pid"
done
check_eq "no slapd left of the $(echo $pids | wc -w) started" "$left" ''
done_testing
