#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Two gateways, one directory server (a throwaway slapd on 127.0.0.1 and
# a socket in $tmp): what smime-verify --import learns on one encrypts on
# the other; certstore's verbs over the directory; entries written by
# others earn nothing (another's certificate under the victim's address,
# no chain to the anchor, expired, a name that is not its certificate's);
# search filters are escaped; the server down is 75 (never 67, never
# plaintext), a wrong password 78; the passphrase is never shown; ldapi://
# with SASL EXTERNAL.
. "$(dirname "$0")/lib.sh"
plan 94

pki=$testdir/pki
private_keys alice bob helpdesk
base=dc=example,dc=org

# The server (scripts/test-slapd), stopped by its pid whatever happens.
d=$tmp/slapd
slapd_start "$d"
check_eq 'the directory server started' "$?" 0
url=$(slapd_get "$d" url)
ldapi=$(slapd_get "$d" ldapi)
server=$(slapd_get "$d" host)
pw=$(cat "$d/gateway.pw")
gw="--bind-dn cn=gateway,$base --bind-passin file:$d/gateway.pw"
# As the gateway, with ldap-utils: what somebody with write access does.
ldapw() {	# ldapw ldapadd|ldapmodify|ldapdelete ARGS...
	_t=$1
	shift
	"$_t" -x -H "$server" -D "cn=gateway,$base" -y "$d/gateway.pw" "$@"
}
fp() {
	openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64
}
# An entry written by hand: entry FP CERT MAIL...
entry() {
	_fp=$1 _c=$2
	shift 2
	printf 'dn: smimeFingerprint=%s,%s\nobjectClass: inetOrgPerson\nobjectClass: smimetoolsCertificate\ncn: forged\nsn: %s\nsmimeFingerprint: %s\n' \
	    "$_fp" "$base" "$_fp" "$_fp"
	for _m in "$@"; do
		printf 'mail: %s\n' "$_m"
	done
	printf 'userCertificate;binary:: %s\n\n' \
	    "$(openssl x509 -in "$_c" -outform DER | base64 -w0)"
}
msg() {	# msg FROM TO
	printf 'From: %s\nTo: %s\nSubject: help\nMessage-ID: <%s>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nthe secret line\n' \
	    "$1" "$2" "$$.$1"
}

# Two gateways: the same anchor, one directory.
A="-S $tmp/a"
B="-S $tmp/b"
for g in a b; do
	certstore -S "$tmp/$g" init &&
	    certstore -S "$tmp/$g" trust add "$pki/root-ca.pem" ||
	    echo "# setting up gateway $g failed"
done
ok 'ldap set on gateway A' 'certstore $A ldap set "$url" $gw'
ok 'ldap set on gateway B (timeout 3)' \
    'certstore $B ldap set "$url" $gw --timeout 3'
check_eq 'the file ldap is 0600' "$(stat -c %a "$tmp/a/ldap")" 600
ok 'ldap show' 'certstore $A ldap show >"$tmp/show"'
check_grep 'show: the URL' "^url: $url\$" "$tmp/show"
check_grep 'show: where the passphrase is' \
    "^bind-passin: file:$d/gateway.pw\$" "$tmp/show"
check_nogrep 'show: never the passphrase' "$pw" "$tmp/show"
check_nogrep 'the file: never the passphrase' "$pw" "$tmp/a/ldap"
ok 'fsck accepts the file ldap' 'certstore $A fsck'
expect_code 'ldap set: a passphrase itself is refused (64)' 64 \
    'certstore $A ldap set "$url" --bind-dn cn=gateway,$base --bind-passin pass:$pw'
check_nogrep '... and not echoed' "$pw" "$tmp/.err"
expect_code 'ldap set: no base DN (64)' 64 \
    'certstore $A ldap set ldap://127.0.0.1:1'
expect_code 'ldap set: a URL with a filter (64)' 64 \
    'certstore $A ldap set "$url??sub?(mail=*)"'
expect_code 'ldap set: a passphrase file that is not there (66)' 66 \
    'certstore $A ldap set "$url" --bind-dn cn=gateway,$base --bind-passin file:$tmp/nope'
check_same 'a refused set leaves the file as it was' "$tmp/show" "$tmp/a/ldap"
ok 'ldap schema prints the LDIF of cn=config' \
    'certstore $A ldap schema >"$tmp/schema.ldif"'
check_same 'ldap schema is scripts/smimetools.ldif' "$tmp/schema.ldif" \
    "$testdir/../scripts/smimetools.ldif"

# Gateway A harvests alice's certificate; gateway B encrypts to it.
msg alice@example.com help@example.org |
    smime-sign -p "$tmp/alice.p12" --passin pass:test >"$tmp/a.eml"
ok 'A: smime-verify --import' \
    'smime-verify $A --import <"$tmp/a.eml" >"$tmp/v.eml"'
check_eq 'A: it passed' "$(ar_result "$tmp/v.eml" | sed 's/ .*//')" pass
check_eq 'A: nothing went to its own certs/' \
    "$(ls "$tmp/a/certs" | wc -l)" 0
ldapsearch -x -LLL -o ldif-wrap=no -H "$server" -b "$base" '(mail=alice@example.com)' \
    userCertificate smimeLastSeen smimeCapabilities >"$tmp/s.ldif" 2>&1
check_grep 'ldapsearch (mail=...) finds the certificate a client uses' \
    '^userCertificate;binary:: ' "$tmp/s.ldif"
check_grep 'the entry records last-seen' \
    '^smimeLastSeen: 20[0-9-]{8}T[0-9:]{8}\.[0-9]{6}Z$' "$tmp/s.ldif"
check_grep 'the entry records the capabilities with their time' \
    '^smimeCapabilities: 20[0-9-]{8}T[0-9:.]{15}Z aes-256-gcm' "$tmp/s.ldif"
sed -n 's/^userCertificate;binary:: //p' "$tmp/s.ldif" | base64 -d |
    openssl x509 -inform DER >"$tmp/s.pem" 2>/dev/null
check_eq 'it is alice'"'"'s certificate' "$(fp "$tmp/s.pem")" \
    "$(fp "$pki/alice.pem")"
ldapsearch -x -LLL -o ldif-wrap=no -H "$server" -b "$base" \
    '(smimeSubjectHash=*)' smimeFingerprint >"$tmp/ca.ldif" 2>&1
check_grep 'the intermediate the signature brought is there' \
    "^smimeFingerprint: $(fp "$pki/sub-ca.pem")\$" "$tmp/ca.ldif"

msg help@example.org alice@example.com >"$tmp/reply.eml"
ok 'B: smime-encrypt -t to the sender A learnt' \
    'smime-encrypt $B -t alice@example.com <"$tmp/reply.eml" >"$tmp/e.eml"'
inner_entity "$tmp/reply.eml" >"$tmp/inner"
ok 'openssl cms -decrypt with alice'"'"'s key' \
    'openssl cms -decrypt -in "$tmp/e.eml" -inkey "$tmp/alice.key" -recip "$pki/alice.pem" -out "$tmp/d"'
check_same '... reads the message byte for byte' "$tmp/d" "$tmp/inner"
ok 'B: certstore get' 'certstore $B get alice@example.com >"$tmp/g.pem"'
check_eq 'B: get gives alice'"'"'s certificate' "$(fp "$tmp/g.pem")" \
    "$(fp "$pki/alice.pem")"

# Both gateways importing the same sender at once: every import
# succeeds, and one last-seen and one capabilities value remain (each
# writer deletes exactly the values it read, under the assertion).
pids=
for i in 1 2 3 4 5; do
	smime-verify $A --import <"$tmp/a.eml" >/dev/null 2>>"$tmp/cc.err" &
	pids="$pids $!"
	smime-verify $B --import <"$tmp/a.eml" >/dev/null 2>>"$tmp/cc.err" &
	pids="$pids $!"
done
bad=0
for p in $pids; do
	wait "$p" || bad=$((bad + 1))
done
check_eq 'ten imports at once on two gateways all succeed' "$bad" 0
[ "$bad" = 0 ] || sed 's/^/#   /' "$tmp/cc.err"
ldapsearch -x -LLL -o ldif-wrap=no -H "$server" -b "$base" \
    '(mail=alice@example.com)' smimeLastSeen smimeCapabilities \
    >"$tmp/cc.ldif" 2>&1
check_eq '... one last-seen remains' \
    "$(grep -c '^smimeLastSeen:' "$tmp/cc.ldif")" 1
check_eq '... one capabilities value remains' \
    "$(grep -c '^smimeCapabilities:' "$tmp/cc.ldif")" 1
check_eq '... later than the first import'"'"'s' \
    "$(sed -n 's/^smimeLastSeen: //p' "$tmp/s.ldif" "$tmp/cc.ldif" | sort | tail -1)" \
    "$(sed -n 's/^smimeLastSeen: //p' "$tmp/cc.ldif")"

# certstore's verbs over the directory.
ok 'B: certstore add' 'certstore $B add "$pki/bob.pem"'
ok 'A: get finds what B added' 'certstore $A get bob@example.com >"$tmp/g.pem"'
check_eq 'A: it is bob'"'"'s' "$(fp "$tmp/g.pem")" "$(fp "$pki/bob.pem")"
ok 'B: add again changes nothing' 'certstore $B add "$pki/bob.pem"'
ok 'A: export' 'certstore $A export >"$tmp/x.pem"'
check_eq 'A: export has alice, bob and the two CAs the signature brought' \
    "$(grep -c 'BEGIN CERTIFICATE' "$tmp/x.pem")" 4
ok 'A: export bob' 'certstore $A export bob@example.com >"$tmp/xb.pem"'
check_eq 'A: export bob is bob'"'"'s' "$(fp "$tmp/xb.pem")" \
    "$(fp "$pki/bob.pem")"
ok 'A: remove bob' 'certstore $A remove bob@example.com'
expect_code 'B: bob is gone (67)' 67 'certstore $B get bob@example.com'
ok 'A: ldap push of the folder'"'"'s certificates' \
    'certstore -S "$tmp/a" ldap unset && certstore $A add "$pki/sub-ca.pem" "$pki/bob.pem" &&
     certstore $A ldap set "$url" $gw && certstore $A ldap push'
ok 'B: get finds what A pushed' 'certstore $B get bob@example.com'
ldapsearch -x -LLL -o ldif-wrap=no -H "$server" -b "$base" '(objectClass=*)' \
    modifyTimestamp >"$tmp/before" 2>&1
ok 'A: push again' 'certstore $A ldap push'
ldapsearch -x -LLL -o ldif-wrap=no -H "$server" -b "$base" '(objectClass=*)' \
    modifyTimestamp >"$tmp/after" 2>&1
check_same 'push twice: the second changes nothing' "$tmp/before" \
    "$tmp/after"

# Entries written by others: another's certificate under the victim's
# address, one without a chain to the anchor, an expired one, one whose
# name is not its certificate's.
ok 'a writer adds dave'"'"'s address to bob'"'"'s entry' \
    'printf "dn: smimeFingerprint=%s,%s\nchangetype: modify\nadd: mail\nmail: dave@example.com\n" "$(fp "$pki/bob.pem")" "$base" | ldapw ldapmodify'
{
	entry "$(fp "$pki/untrusted.pem")" "$pki/untrusted.pem" \
	    untrusted@example.com
	entry "$(fp "$pki/expired.pem")" "$pki/expired.pem" \
	    expired@example.com
	entry "$(fp "$pki/dave.pem")" "$pki/carol.pem" carol@example.com
} >"$tmp/forged.ldif"
ok 'a writer adds forged entries' 'ldapw ldapadd -f "$tmp/forged.ldif"'
expect_code 'get: bob'"'"'s certificate is not dave'"'"'s (67)' 67 \
    'certstore $B get dave@example.com'
expect_code 'get: no chain to the anchor (67)' 67 \
    'certstore $B get untrusted@example.com'
expect_code 'get: expired (67)' 67 'certstore $B get expired@example.com'
expect_code 'get: an entry whose name is not its certificate'"'"'s (67)' 67 \
    'certstore $B get carol@example.com'
expect_code 'encrypt: not to bob for dave (67)' 67 \
    'smime-encrypt $B -t dave@example.com <"$tmp/reply.eml" >"$tmp/o"'
check_eq '... nothing on stdout' "$(wc -c <"$tmp/o")" 0
expect_code 'encrypt: not to the untrusted one (67)' 67 \
    'smime-encrypt $B -t untrusted@example.com <"$tmp/reply.eml" >"$tmp/o"'
expect_code 'encrypt: not to the misnamed entry (67)' 67 \
    'smime-encrypt $B -t carol@example.com <"$tmp/reply.eml"'
ok 'expire removes the expired entry' 'certstore $B expire'
ldapsearch -x -LLL -o ldif-wrap=no -H "$server" -b "$base" '(mail=expired@example.com)' \
    dn >"$tmp/exp" 2>&1
check_nogrep '... from the directory' '^dn:' "$tmp/exp"

# Search filters: what an address holds is a value, never a filter.
for a in '*' '*@example.com' 'x*)(mail=*' 'alice@example.com)(mail=*' \
    '*)(|(objectClass=*' 'a\2a@example.com' '(alice@example.com'; do
	expect_code "get '$a' matches nothing (67)" 67 \
	    'certstore $B get "$a" >"$tmp/o"'
done
expect_code 'encrypt -t *@example.com matches nothing (67)' 67 \
    'smime-encrypt $B -t "*@example.com" <"$tmp/reply.eml" >"$tmp/o"'
check_eq '... and writes nothing' "$(wc -c <"$tmp/o")" 0

# A look-up that finds more entries than a directory of certificates
# holds for one address is garbage: 75, never "no certificate".
i=0
while [ $i -lt 257 ]; do
	f=$(printf 'many %d' $i | sha256sum | cut -c1-64)
	printf 'dn: smimeFingerprint=%s,%s\nobjectClass: inetOrgPerson\nobjectClass: smimetoolsCertificate\ncn: many\nsn: %s\nsmimeFingerprint: %s\nmail: many@example.com\n\n' \
	    "$f" "$base" "$f" "$f"
	i=$((i + 1))
done >"$tmp/many.ldif"
ok 'a writer adds 257 entries for one address' \
    'ldapw ldapadd -f "$tmp/many.ldif" >/dev/null'
expect_code 'get: 257 entries for one address is 75' 75 \
    'certstore $B get many@example.com'
check_grep '... naming the server' "^certstore: $server: " "$tmp/.err"
expect_code 'encrypt: 75, not 67' 75 \
    'smime-encrypt $B -t many@example.com <"$tmp/reply.eml" >"$tmp/o"'
check_eq '... and no plaintext' "$(wc -c <"$tmp/o")" 0

# ldapi:// with SASL EXTERNAL.
certstore -S "$tmp/c" init && certstore -S "$tmp/c" trust add "$pki/root-ca.pem"
ok 'C: ldap set ldapi://' 'certstore -S "$tmp/c" ldap set "$ldapi"'
ok 'C: get over ldapi (SASL EXTERNAL)' \
    'certstore -S "$tmp/c" get alice@example.com >"$tmp/g.pem"'
check_eq 'C: alice'"'"'s' "$(fp "$tmp/g.pem")" "$(fp "$pki/alice.pem")"

# A wrong password: the configuration's fault.
echo wrong >"$tmp/wrong.pw"
certstore -S "$tmp/c" ldap set "$url" --bind-dn "cn=gateway,$base" \
    --bind-passin "file:$tmp/wrong.pw"
expect_code 'a wrong gateway password is 78' 78 \
    'certstore -S "$tmp/c" get alice@example.com'
check_grep '... naming the server' "$server" "$tmp/.err"

# A server that answers nothing, and one that answers garbage.
fake() {	# fake silent|garbage PORTFILE: in the background
	perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(Listen => 5, LocalAddr => "127.0.0.1",
	        LocalPort => 0, ReuseAddr => 1) or die "listen: $!";
	    open(my $f, ">", "$ARGV[1].tmp") or die; print $f $s->sockport, "\n";
	    close $f; rename("$ARGV[1].tmp", $ARGV[1]);
	    my @held;
	    while (my $c = $s->accept) {
	        if ($ARGV[0] eq "garbage") {
	            syswrite($c, "HTTP/1.0 400 Bad Request\r\n\r\n" x 50);
	            close $c;
	        } else { push @held, $c }
	    }' "$1" "$2" >/dev/null 2>&1 &
	echo $!
}
wait_file() {
	_i=0
	while [ ! -s "$1" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
silent=$(fake silent "$tmp/silent.port")
garbage=$(fake garbage "$tmp/garbage.port")
trap 'kill $silent $garbage 2>/dev/null; _slapd_stop_all; rm -rf "$tmp"' EXIT
wait_file "$tmp/silent.port"
wait_file "$tmp/garbage.port"
certstore -S "$tmp/c" ldap set --timeout 1 \
    "ldap://127.0.0.1:$(cat "$tmp/silent.port")/$base"
t0=$(date +%s)
expect_code 'a server that answers nothing: 75' 75 \
    'certstore -S "$tmp/c" get alice@example.com'
t1=$(date +%s)
check_eq '... after the timeout, not later' "$(( t1 - t0 < 5 ))" 1
check_grep '... naming the server' "127.0.0.1:$(cat "$tmp/silent.port")" \
    "$tmp/.err"
certstore -S "$tmp/c" ldap set \
    "ldap://127.0.0.1:$(cat "$tmp/garbage.port")/$base"
expect_code 'a server that answers garbage: 75' 75 \
    'certstore -S "$tmp/c" get alice@example.com'
certstore -S "$tmp/c" ldap set \
    "ldap://127.0.0.1:$(cat "$tmp/garbage.port")/$base $url"
ok 'the second URL, when the first answers garbage' \
    'certstore -S "$tmp/c" get alice@example.com'
kill $silent $garbage 2>/dev/null

# The server down.
cp "$tmp/a.eml" "$tmp/a.copy"
slapd_stop "$d" >/dev/null 2>&1
expect_code 'down: smime-verify --import exits 75' 75 \
    'smime-verify $A --import <"$tmp/a.eml" >"$tmp/o"'
check_same '... the input is intact' "$tmp/a.eml" "$tmp/a.copy"
check_eq '... and nothing is on stdout' "$(wc -c <"$tmp/o")" 0
expect_code 'down: smime-encrypt exits 75, not 67' 75 \
    'smime-encrypt $B -t alice@example.com <"$tmp/reply.eml" >"$tmp/o"'
check_eq '... no plaintext on stdout' "$(wc -c <"$tmp/o")" 0
expect_code 'down: certstore get exits 75' 75 \
    'certstore $B get alice@example.com'
check_eq '... one line on stderr' "$(wc -l <"$tmp/.err")" 1
check_grep '... naming the server' "^certstore: $server: " "$tmp/.err"
ok 'down: smime-sign needs only the identity' \
    'certstore $B identity add -p "$tmp/helpdesk.p12" --passin pass:test &&
     msg help@example.org alice@example.com |
     smime-sign $B --passin pass:test >"$tmp/o"'
done_testing
