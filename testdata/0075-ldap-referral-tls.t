#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# A write referred from a consumer reached over TLS.  With one CA for
# both servers (scripts/test-slapd --tls-ca-from), ldaps:// to ldaps://
# and StartTLS to ldaps:// are followed, and so is ldaps:// to ldap://,
# over StartTLS since tls-ca is set: every bind the provider logs is
# protected (ssf > 0).  ldaps:// to ldap:// in the clear is never
# followed: with tls-ca, StartTLS is asked of a provider that has none
# and the bind never happens; without (the consumer's CA trusted by
# libldap's own TLS_CACERT) the gateway does not even connect.  A
# provider whose certificate another CA signed, or that does not carry
# the referral's host name: 75 naming the TLS failure and both servers,
# no bind.  Each refused write leaves its input intact and nothing on
# the provider.
. "$(dirname "$0")/lib.sh"
plan 43

pki=$testdir/pki
private_keys alice bob carol dave helpdesk
base=dc=example,dc=org
gw_dn=cn=gateway,$base
t_start=$(date +%s)

count() {	# count DIR FILTER: entries on the server of DIR
	ldapsearch -x -LLL -o ldif-wrap=no -H "$(slapd_get "$1" ldapi_host)" \
	    -b "$base" "$2" dn 2>/dev/null | grep -c '^dn:'
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
binds() {	# binds DIR: the gateway's binds the server of DIR logged
	grep -c "BIND dn=\"$gw_dn\" method=" "$1/slapd.log"
}
clear_binds() {	# clear_binds DIR: of those, the ones not under TLS
	grep "BIND dn=\"$gw_dn\" mech=" "$1/slapd.log" | grep -c ' ssf=0$'
}
accepts() {	# accepts DIR: connections the server of DIR took over TCP
	grep -c 'ACCEPT from IP=' "$1/slapd.log"
}
msg() {	# msg FROM
	printf 'From: %s\nTo: help@example.org\nSubject: help\nMessage-ID: <%s.%s@example.com>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nthe secret line\n' \
	    "$1" "${1%@*}" "$$"
}
for s in alice bob carol dave; do
	msg "$s@example.com" |
	    smime-sign -p "$tmp/$s.p12" --passin pass:test >"$tmp/$s.eml"
done
# gateway NAME URL [OPTION...]: a store with the test anchor, bound as the
# gateway (its password in $pw), reading from URL.
gateway() {
	_g=$1 _u=$2
	shift 2
	certstore -S "$tmp/$_g" init &&
	    certstore -S "$tmp/$_g" trust add "$pki/root-ca.pem" &&
	    certstore -S "$tmp/$_g" ldap set "$_u" --bind-dn "$gw_dn" \
	    --bind-passin "file:$pw" "$@"
}
# refused NAME SENDER: the import of SENDER's message through gateway
# NAME fails 75, its input intact, no output.
refused() {
	_rg=$1 _rs=$2
	cp "$tmp/$_rs.eml" "$tmp/$_rs.in"
	rm -f "$tmp/$_rg.out"
	expect_code "$_rg: the import of $_rs is 75" 75 \
	    'smime-verify -S "$tmp/$_rg" --import -i "$tmp/$_rs.in" -o "$tmp/$_rg.out"'
	cp "$tmp/.err" "$tmp/$_rg.err"
	check_eq "... $_rs's message intact, no output" \
	    "$(cmp -s "$tmp/$_rs.in" "$tmp/$_rs.eml" && echo same):$([ -e "$tmp/$_rg.out" ] && echo out)" \
	    same:
}

# (a) One CA: a provider and its consumers, each with ldaps:// and
# StartTLS.  c1 refers writes to the provider's ldaps:// URL, c2 to its
# ldap:// URL.
p=$tmp/prov c1=$tmp/c1 c2=$tmp/c2
slapd_start "$p" --provider --tls &&
    slapd_start "$c1" --consumer-of "$p" --tls-ca-from "$p" \
    --refer-to "$(slapd_get "$p" ldaps_host)" &&
    slapd_start "$c2" --consumer-of "$p" --tls-ca-from "$p"
check_eq 'a provider and two consumers, one CA' "$?" 0
ca=$(slapd_get "$c1" tls_ca)
check_eq '... the consumers tls-ca verifies the provider' \
    "$(openssl verify -CAfile "$ca" "$p/tls/server.pem" 2>&1)" \
    "$p/tls/server.pem: OK"
poll '[ "$(count "$c1" "(cn=gateway)")" = 1 ] && [ "$(count "$c2" "(cn=gateway)")" = 1 ]'
check_eq '... the consumers have the gateway within 15 s' "$?" 0
phost=$(slapd_get "$p" host)
pw=$p/gateway.pw
pshost=$(slapd_get "$p" ldaps_host)

gateway a "$(slapd_get "$c1" ldaps)" --tls-ca "$ca"
ok 'ldaps:// consumer to ldaps:// provider: the import is referred' \
    'smime-verify -S "$tmp/a" --import -v <"$tmp/alice.eml" >/dev/null'
check_grep '... and says so' \
    "$(slapd_get "$c1" ldaps_host): writes referred to $pshost\$" "$tmp/.err"
check_eq '... the entry is on the provider' \
    "$(count "$p" "(mail=alice@example.com)")" 1
poll '[ "$(count "$c1" "(mail=alice@example.com)")" = 1 ]'
check_eq '... and on the consumer within 15 s' "$?" 0
ok '... a get through the consumer finds it' \
    'certstore -S "$tmp/a" get alice@example.com >/dev/null'

gateway b "$(slapd_get "$c1" url)" --tls-ca "$ca"
ok 'StartTLS consumer to ldaps:// provider: the import is referred' \
    'smime-verify -S "$tmp/b" --import -v <"$tmp/bob.eml" >/dev/null'
check_grep '... and says so' \
    "$(slapd_get "$c1" host): writes referred to $pshost\$" "$tmp/.err"
check_eq '... the entry is on the provider' \
    "$(count "$p" "(mail=bob@example.com)")" 1
grep 'EXT oid=1.3.6.1.4.1.1466.20037' "$c1/slapd.log" >"$tmp/starttls" || :
check_grep '... the consumer was reached with StartTLS' 'EXT oid' \
    "$tmp/starttls"

gateway c "$(slapd_get "$c2" ldaps)" --tls-ca "$ca"
n0=$(grep -c 'EXT oid=1.3.6.1.4.1.1466.20037' "$p/slapd.log")
ok 'ldaps:// consumer to ldap:// provider, tls-ca set: the import is referred' \
    'smime-verify -S "$tmp/c" --import -v <"$tmp/carol.eml" >/dev/null'
check_grep '... and says so' \
    "$(slapd_get "$c2" ldaps_host): writes referred to $phost\$" "$tmp/.err"
check_eq '... the entry is on the provider' \
    "$(count "$p" "(mail=carol@example.com)")" 1
check_eq '... which was asked for StartTLS' \
    "$(grep -c 'EXT oid=1.3.6.1.4.1.1466.20037' "$p/slapd.log")" $((n0 + 1))
check_eq 'the provider logged 3 binds of the gateway, none in the clear' \
    "$(binds "$p"):$(clear_binds "$p")" 3:0

# (b) A provider without TLS, a consumer with ldaps:// that refers to it
# in the clear.
q=$tmp/plainprov c0=$tmp/c0
slapd_start "$q" --provider &&
    slapd_start "$c0" --consumer-of "$q" --tls
check_eq 'a provider without TLS, a consumer with it' "$?" 0
poll '[ "$(count "$c0" "(cn=gateway)")" = 1 ]'
check_eq '... the consumer has the gateway within 15 s' "$?" 0
qhost=$(slapd_get "$q" host)
c0s=$(slapd_get "$c0" ldaps_host)
pw=$q/gateway.pw
gateway d "$(slapd_get "$c0" ldaps)" --tls-ca "$(slapd_get "$c0" tls_ca)"
refused d dave
check_grep '... naming both servers' \
    "^smime-verify: $qhost: .*\\(referred to by $c0s\\)\$" "$tmp/d.err"
check_eq '... nothing on the provider, no bind: StartTLS asked, refused' \
    "$(count "$q" "(mail=dave@example.com)"):$(binds "$q"):$(grep -c 'EXT oid=1.3.6.1.4.1.1466.20037' "$q/slapd.log")" \
    0:0:1
# Without tls-ca, ldaps:// verified by libldap's own CA list (here the
# consumer's CA): the referral to ldap:// is not even connected to.
n0=$(accepts "$q")
gateway e "$(slapd_get "$c0" ldaps)"
LDAPTLS_CACERT=$(slapd_get "$c0" tls_ca)
export LDAPTLS_CACERT
refused e dave
unset LDAPTLS_CACERT
check_grep '... naming both servers, not followed' \
    "^smime-verify: $c0s refers our writes to $qhost, which would not be protected by TLS as $c0s is: not followed\$" \
    "$tmp/e.err"
check_eq '... nothing on the provider, no connection to it' \
    "$(count "$q" "(mail=dave@example.com)"):$(binds "$q"):$(($(accepts "$q") - n0))" \
    0:0:0
slapd_stop "$c0"
slapd_stop "$q"

# (c) The provider's certificate does not verify under the gateway's
# tls-ca: c3 (its own CA) refers to the provider's ldaps:// URL; c4 (the
# provider's CA) to ldaps://localhost, a name the provider's certificate
# does not carry.
c3=$tmp/c3 c4=$tmp/c4
slapd_start "$c3" --consumer-of "$p" --tls --refer-to "$pshost" &&
    slapd_start "$c4" --consumer-of "$p" --tls-ca-from "$p" \
    --refer-to "ldaps://localhost:$(slapd_get "$p" ldaps_port)"
check_eq 'a consumer with another CA, one that refers to a name not certified' \
    "$?" 0
poll '[ "$(count "$c3" "(cn=gateway)")" = 1 ] && [ "$(count "$c4" "(cn=gateway)")" = 1 ]'
check_eq '... both have the gateway within 15 s' "$?" 0
n0=$(binds "$p")
pw=$p/gateway.pw
gateway f "$(slapd_get "$c3" ldaps)" --tls-ca "$(slapd_get "$c3" tls_ca)"
refused f dave
check_grep '... naming the TLS failure and both servers' \
    "^smime-verify: $pshost: .*TLS handshake failed.*\\(referred to by $(slapd_get "$c3" ldaps_host)\\)\$" \
    "$tmp/f.err"
check_eq '... nothing on the provider, no bind' \
    "$(count "$p" "(mail=dave@example.com)"):$(($(binds "$p") - n0))" 0:0
gateway g "$(slapd_get "$c4" ldaps)" --tls-ca "$ca"
refused g dave
check_grep '... naming the TLS failure and both servers' \
    "^smime-verify: ldaps://localhost:[0-9]+: .*TLS handshake failed.*\\(referred to by $(slapd_get "$c4" ldaps_host)\\)\$" \
    "$tmp/g.err"
check_eq '... nothing on the provider, no bind' \
    "$(count "$p" "(mail=dave@example.com)"):$(($(binds "$p") - n0))" 0:0
gateway h "$(slapd_get "$c4" url)" --tls-ca "$ca"
refused h dave
check_grep '... StartTLS to the consumer: the same' \
    "^smime-verify: ldaps://localhost:[0-9]+: .*TLS handshake failed.*\\(referred to by $(slapd_get "$c4" host)\\)\$" \
    "$tmp/h.err"
check_eq '... nothing on the provider, no bind' \
    "$(count "$p" "(mail=dave@example.com)"):$(($(binds "$p") - n0))" 0:0
ok 'after all that, the provider still takes dave through c1' \
    'smime-verify -S "$tmp/a" --import <"$tmp/dave.eml" >/dev/null'
check_eq '... once' "$(count "$p" "(mail=dave@example.com)")" 1
for d in "$c4" "$c3" "$c2" "$c1" "$p"; do
	slapd_stop "$d"
done
echo "# $(($(date +%s) - t_start)) s"
done_testing
