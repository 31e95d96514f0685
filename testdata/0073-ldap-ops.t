#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# The directory in operation.  TLS: a throwaway slapd with its own test
# CA (scripts/test-slapd --tls), reached with StartTLS on ldap:// and
# with ldaps://; a server whose certificate another CA signed, or that
# does not carry the URL's host name, is 75, naming the server and the
# TLS error, and the bind never happens (the server logs no BIND); a wrong bind DN is 78; the passphrase read from
# env: and fd: is never in ldap show, the file ldap or argv.  The mail
# pipeline with the directory down: procmailrc.smime and maildrop.smime
# deliver the message as it came (or exit 75 with SMIME_ON_FAILURE=retry),
# nothing lost; smime-sendmail exits 75 and sends nothing; smime-cron
# over the directory exits 0 up (an expired entry removed from it), 75
# down.
. "$(dirname "$0")/lib.sh"
plan 68

pki=$testdir/pki
scripts=$testdir/../scripts
bindir=$(dirname "$(command -v smime-decrypt)")
private_keys alice helpdesk
base=dc=example,dc=org

d=$tmp/slapd
slapd_start "$d" --tls
check_eq 'a directory server with TLS started' "$?" 0
port=$(slapd_get "$d" port)
sport=$(slapd_get "$d" ldaps_port)
ca=$(slapd_get "$d" tls_ca)
server=$(slapd_get "$d" host)
sserver=$(slapd_get "$d" ldaps_host)
ldapi=$(slapd_get "$d" ldapi)
pw=$(cat "$d/gateway.pw")
gw_dn=cn=gateway,$base
fp() {
	openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64
}
binds() {	# the gateway's binds the server has logged
	grep -c "BIND dn=\"$gw_dn\"" "$d/slapd.log"
}
msg() {	# msg FROM TO
	printf 'From: %s\nTo: %s\nSubject: help\nMessage-ID: <%s>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nthe secret line\n' \
	    "$1" "$2" "$$.$1"
}
gateway() {	# gateway DIR: a store with the test anchor
	certstore -S "$1" init && certstore -S "$1" trust add "$pki/root-ca.pem"
}
gateway "$tmp/a"
gateway "$tmp/b"
certstore -S "$tmp/b" identity add -p "$tmp/helpdesk.p12" --passin pass:test
A="-S $tmp/a"
B="-S $tmp/b"
msg alice@example.com help@example.org |
    smime-sign -p "$tmp/alice.p12" --passin pass:test >"$tmp/a.eml"
msg help@example.org alice@example.com >"$tmp/reply.eml"
echo test >"$tmp/pass"
chmod 600 "$tmp/pass"

# StartTLS on ldap:// (the CA given), ldaps://.
ok 'A: ldap set ldap:// --tls-ca (StartTLS)' \
    'certstore $A ldap set "ldap://127.0.0.1:$port/$base" --bind-dn "$gw_dn" --bind-passin "file:$d/gateway.pw" --tls-ca "$ca"'
ok 'A: smime-verify --import over StartTLS' \
    'smime-verify $A --import <"$tmp/a.eml" >/dev/null'
grep 'EXT oid=1.3.6.1.4.1.1466.20037' "$d/slapd.log" >"$tmp/starttls" || :
check_grep '... the server logged StartTLS' 'EXT oid' "$tmp/starttls"
ok 'B: ldap set ldaps:// --tls-ca' \
    'certstore $B ldap set "$sserver/$base" --bind-dn "$gw_dn" --bind-passin "file:$d/gateway.pw" --tls-ca "$ca"'
ok 'B: get over ldaps finds what A imported' \
    'certstore $B get alice@example.com >"$tmp/g.pem"'
check_eq '... alice'"'"'s certificate' "$(fp "$tmp/g.pem")" \
    "$(fp "$pki/alice.pem")"
ok 'B: smime-encrypt over ldaps' \
    'smime-encrypt $B -t alice@example.com <"$tmp/reply.eml" >"$tmp/e.eml"'
check_grep '... encrypted' '^Content-Type: application/pkcs7-mime' "$tmp/e.eml"
check_nogrep '... no plaintext' 'the secret line' "$tmp/e.eml"

# Another CA: 75 naming the server and the TLS error, and no bind.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/other.key" -out "$tmp/other.pem" -days 2 \
    -subj /CN=another-ca >/dev/null 2>&1
gateway "$tmp/c"
C="-S $tmp/c"
for how in StartTLS ldaps; do
	if [ "$how" = StartTLS ]; then u=$server; else u=$sserver; fi
	certstore $C ldap set "$u/$base" --bind-dn "$gw_dn" \
	    --bind-passin "file:$d/gateway.pw" --tls-ca "$tmp/other.pem"
	n0=$(binds)
	expect_code "$how, another CA: get is 75" 75 \
	    'certstore $C get alice@example.com'
	check_grep "... naming the server" "^certstore: $u: " "$tmp/.err"
	check_grep "... and the TLS error" 'TLS handshake failed' \
	    "$tmp/.err"
	sleep 0.2
	check_eq "... the server logged no bind" "$(binds)" "$n0"
	expect_code "$how, another CA: smime-encrypt is 75" 75 \
	    'smime-encrypt $C -t alice@example.com <"$tmp/reply.eml" >"$tmp/o"'
	check_eq '... and no plaintext' "$(wc -c <"$tmp/o")" 0
done
# The certificate names 127.0.0.1, not localhost, the same server.
certstore $C ldap set "ldaps://localhost:$sport/$base" --bind-dn "$gw_dn" \
    --bind-passin "file:$d/gateway.pw" --tls-ca "$ca"
n0=$(binds)
expect_code 'ldaps to a name the certificate does not carry: 75' 75 \
    'certstore $C get alice@example.com'
check_grep '... the TLS error' 'TLS handshake failed' "$tmp/.err"
sleep 0.2
check_eq '... the server logged no bind' "$(binds)" "$n0"

# A wrong bind DN: the configuration's fault.
certstore $C ldap set "$sserver/$base" --bind-dn "cn=nobody,$base" \
    --bind-passin "file:$d/gateway.pw" --tls-ca "$ca"
expect_code 'a wrong bind DN is 78' 78 'certstore $C get alice@example.com'
check_grep '... naming the server' "$sserver" "$tmp/.err"

# The passphrase from env: and fd:, never shown, stored or in argv.
ok 'ldap set --bind-passin env:' \
    'certstore $C ldap set "$sserver/$base" --bind-dn "$gw_dn" --bind-passin env:GW_PASS --tls-ca "$ca"'
ok 'env: get' \
    'GW_PASS=$pw certstore $C get alice@example.com >/dev/null'
expect_code 'env: the variable unset: 78' 78 \
    'certstore $C get alice@example.com'
ok 'env: ldap show' 'certstore $C ldap show >"$tmp/show"'
check_grep '... shows the source' '^bind-passin: env:GW_PASS$' "$tmp/show"
check_nogrep '... never the passphrase' "$pw" "$tmp/show"
check_nogrep 'the file ldap: never the passphrase' "$pw" "$tmp/c/ldap"
ok 'ldap set --bind-passin fd:3' \
    'certstore $C ldap set "$sserver/$base" --bind-dn "$gw_dn" --bind-passin fd:3 --tls-ca "$ca"'
ok 'fd: get, the passphrase on descriptor 3' \
    'certstore $C get alice@example.com 3<"$d/gateway.pw" >/dev/null'
ok 'fd: smime-encrypt' \
    'smime-encrypt $C -t alice@example.com <"$tmp/reply.eml" 3<"$d/gateway.pw" >"$tmp/o"'
ok 'fd: ldap show' 'certstore $C ldap show >"$tmp/show"'
check_grep '... shows the source' '^bind-passin: fd:3$' "$tmp/show"
check_nogrep '... never the passphrase' "$pw" "$tmp/show"
check_nogrep 'the file ldap: never the passphrase' "$pw" "$tmp/c/ldap"
# argv, read while a look-up waits on a server that answers nothing
# (the passphrase read, the bind not yet answered).
perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(Listen => 5, LocalAddr => "127.0.0.1",
        LocalPort => 0, ReuseAddr => 1) or die;
    open(my $f, ">", "$ARGV[0].tmp") or die; print $f $s->sockport, "\n";
    close $f; rename("$ARGV[0].tmp", $ARGV[0]); my @h;
    while (my $c = $s->accept) { push @h, $c }' "$tmp/silent.port" \
    >/dev/null 2>&1 &
silent=$!
trap 'kill $silent 2>/dev/null; _slapd_stop_all; rm -rf "$tmp"' EXIT
i=0
while [ ! -s "$tmp/silent.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
certstore $C ldap set --timeout 2 \
    "ldap://127.0.0.1:$(cat "$tmp/silent.port")/$base" --bind-dn "$gw_dn" \
    --bind-passin env:GW_PASS
GW_PASS=$pw certstore $C get alice@example.com >/dev/null 2>&1 &
p=$!
sleep 0.5
tr '\0' ' ' <"/proc/$p/cmdline" >"$tmp/argv" 2>/dev/null
wait "$p"
check_eq 'a look-up that waits on the server exits 75' "$?" 75
check_grep '... its argv was read' 'certstore' "$tmp/argv"
check_nogrep '... and does not hold the passphrase' "$pw" "$tmp/argv"
kill $silent 2>/dev/null

# smime-cron over the directory, up: an expired entry written by
# somebody else is removed from the directory.
printf 'dn: smimeFingerprint=%s,%s\nobjectClass: inetOrgPerson\nobjectClass: smimetoolsCertificate\ncn: expired\nsn: %s\nsmimeFingerprint: %s\nmail: expired@example.com\nuserCertificate;binary:: %s\n\n' \
    "$(fp "$pki/expired.pem")" "$base" "$(fp "$pki/expired.pem")" \
    "$(fp "$pki/expired.pem")" \
    "$(openssl x509 -in "$pki/expired.pem" -outform DER | base64 -w0)" |
    ldapadd -x -H "$server" -D "$gw_dn" -y "$d/gateway.pw" >/dev/null 2>&1
ok 'smime-cron over the directory, up: exit 0' \
    '"$scripts/smime-cron" $B'
check_eq '... silent' "$(wc -c <"$tmp/.err")" 0
ldapsearch -x -LLL -H "$server" -b "$base" '(mail=expired@example.com)' dn \
    >"$tmp/exp" 2>&1
check_nogrep '... the expired entry is gone from the directory' '^dn:' \
    "$tmp/exp"

# The sender forgotten, so that the inbound recipes below have
# something to write.
ok 'B: remove alice' 'certstore $B remove alice@example.com'

# The directory down.
slapd_stop "$d" >/dev/null 2>&1
expect_code 'smime-cron, the directory down: 75' 75 \
    '"$scripts/smime-cron" $B'
check_grep '... naming the server' "$sserver" "$tmp/.err"

# smime-sendmail: 75, nothing sent.
sent=$tmp/sent
fake_sendmail "$sent"
expect_code 'smime-sendmail, the directory down: 75' 75 \
    'SENDMAIL="$tmp/fake-sendmail" "$scripts/smime-sendmail" $B --passin "file:$tmp/pass" <"$tmp/reply.eml"'
check_eq '... nothing sent' "$(test -e "$sent" && echo sent || echo none)" \
    none
check_grep '... naming the server' "$sserver" "$tmp/.err"

# The inbound recipes: the message encrypted to the help desk, signed by
# a sender the directory does not know yet.
msg alice@example.com help@example.org |
    smime-sign -p "$tmp/alice.p12" --passin pass:test |
    smime-encrypt -r "$pki/helpdesk.pem" >"$tmp/in.eml"
md=$tmp/Maildir
count() { find "$md/new" -type f | wc -l; }
got() { find "$md/new" -type f | head -1; }
fresh_md() {
	rm -rf "$md"
	mkdir -p "$md/new" "$md/cur" "$md/tmp"
}
pm() {
	fresh_md
	procmail -m SMIME_BINDIR="$bindir" SMIME_STORE="$tmp/b" \
	    SMIME_AUTHSERV_ID=mx.example.org SMIME_PASSFILE="$tmp/pass" \
	    MAILDIR="$tmp" DEFAULT="$md/" LOGFILE="$tmp/procmail.log" \
	    TMPDIR="$tmp" ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" "$@" "$scripts/procmailrc.smime"
}
extra=
mdrop() {
	fresh_md
	cat >"$tmp/mailfilter" <<-EOF
	SMIME_BINDIR="$bindir"
	SMIME_STORE="$tmp/b"
	SMIME_AUTHSERV_ID="mx.example.org"
	SMIME_PASSFILE="$tmp/pass"
	DEFAULT="$md"
	$extra
	include "$scripts/maildrop.smime"
	EOF
	chmod 600 "$tmp/mailfilter"
	env -i HOME="$HOME" TMPDIR="$tmp" ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" maildrop "$tmp/mailfilter"
}
cp "$tmp/in.eml" "$tmp/in.copy"
ok 'procmail, the directory down: delivers (exit 0)' 'pm <"$tmp/in.eml"'
check_eq '... one message in, one out' "$(count)" 1
check_same '... byte for byte as it came' "$(got)" "$tmp/in.copy"
check_grep '... the log names the server' "$sserver" "$tmp/procmail.log"
expect_code 'procmail, SMIME_ON_FAILURE=retry: 75' 75 \
    'pm SMIME_ON_FAILURE=retry <"$tmp/in.eml"'
check_eq '... nothing delivered' "$(count)" 0
ok 'maildrop, the directory down: delivers (exit 0)' 'mdrop <"$tmp/in.eml"'
check_eq '... one message in, one out' "$(count)" 1
check_same '... byte for byte as it came' "$(got)" "$tmp/in.copy"
check_grep '... stderr names the server' "$sserver" "$tmp/.err"
extra='SMIME_ON_FAILURE="retry"'
expect_code 'maildrop, SMIME_ON_FAILURE=retry: 75' 75 'mdrop <"$tmp/in.eml"'
check_eq '... nothing delivered' "$(count)" 0
extra=

# Up again: the same message goes through, its sender stored.
slapd_start "$d"
ok 'procmail, the directory up again: delivers' 'pm <"$tmp/in.eml"'
check_grep '... decrypted and verified' \
    '^Authentication-Results: mx\.example\.org; smime=pass' "$(got)"
ok '... the sender is in the directory' \
    'ldapsearch -x -LLL -H "$server" -b "$base" "(mail=alice@example.com)" dn | grep -q "^dn:"'
done_testing
