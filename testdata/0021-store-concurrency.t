#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# The store under concurrent writers, killed writers and a full disk:
# every writer that is not killed succeeds, readers never miss a
# certificate, every file of the store parses at every moment, and fsck
# --repair restores what a crash leaves.
. "$(dirname "$0")/lib.sh"
plan 49

pki=$testdir/pki
cp "$pki/sub-ca.key" "$tmp/sub-ca.key"
chmod 600 "$tmp/sub-ca.key"
ca="--no-system-ca --ca $pki/root-ca.pem"

# 150 certificates of sub-ca on one key: user1..user150@example.com.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/ee.key" -subj /CN=test -out "$tmp/ee.csr" 2>/dev/null
i=1
while [ $i -le 150 ]; do
	printf 'subjectAltName=email:user%d@example.com\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=emailProtection\n' \
	    $i >"$tmp/ext.cnf"
	openssl x509 -req -in "$tmp/ee.csr" -CA "$pki/sub-ca.pem" \
	    -CAkey "$tmp/sub-ca.key" -set_serial $((0x8000 + i)) -days 3650 \
	    -extfile "$tmp/ext.cnf" -out "$tmp/c$i.pem" 2>/dev/null
	i=$((i + 1))
done
check_eq '150 certificates made' "$(ls "$tmp"/c*.pem | wc -l)" 150
# And 10 of one sender, renewals: r1..r10, all renew@example.com.
printf 'subjectAltName=email:renew@example.com\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=emailProtection\n' >"$tmp/ext.cnf"
for i in 1 2 3 4 5 6 7 8 9 10; do
	openssl x509 -req -in "$tmp/ee.csr" -CA "$pki/sub-ca.pem" \
	    -CAkey "$tmp/sub-ca.key" -set_serial $((0x9000 + i)) -days 3650 \
	    -extfile "$tmp/ext.cnf" -out "$tmp/r$i.pem" 2>/dev/null
done
chmod 600 "$tmp/ee.key"

# Every file of a store parses: certificates, .meta lines, index lines.
parses() {
	st=$1
	# One openssl for all: each file one whole certificate, so the
	# concatenation parses and holds as many as there are files.
	n=$(ls "$st"/certs | grep -c '\.pem$')
	got=$(cat "$st"/certs/*.pem 2>/dev/null |
	    openssl crl2pkcs7 -nocrl -certfile /dev/stdin 2>/dev/null |
	    openssl pkcs7 -print_certs -noout 2>/dev/null | grep -c '^subject=')
	[ "$n" -eq "$got" ] || {
		echo "$n files, $got certificates"; return 1; }
	for f in "$st"/certs/*.meta; do
		[ -e "$f" ] || continue
		grep -Evq '^[a-z0-9-]+: [ -~]*$' "$f" && {
			echo "$f has a bad line"; return 1; }
	done
	cat "$st/index" "$st/index.journal" 2>/dev/null |
	    grep -Evq '^[^	]+	[0-9a-f]{64}	[^	]+	[^	]+$' && {
		echo "an index line is bad"; return 1; }
	return 0
}

# 50 writers of 50 certificates, plus 5 of one certificate, at once;
# meanwhile a reader asks for a certificate that is there all along.
st=$tmp/store
S="-S $st"
certstore $S init && certstore $S $ca add "$pki/chain.pem" "$pki/alice.pem"
mkdir "$tmp/rc"
i=1
while [ $i -le 50 ]; do
	{ certstore $S $ca add "$tmp/c$i.pem"; echo $? >"$tmp/rc/w$i"; } &
	i=$((i + 1))
done
for i in 1 2 3 4 5; do
	{ certstore $S $ca add "$pki/bob.pem"; echo $? >"$tmp/rc/b$i"; } &
done
{
	n=0
	while [ $n -lt 100 ]; do
		certstore $S get alice@example.com >/dev/null || echo miss
		n=$((n + 1))
	done >"$tmp/reader"
} &
wait
check_eq '55 concurrent writers: all exit 0' \
    "$(cat "$tmp"/rc/* | sort | uniq -c | sed 's/^ *//')" '55 0'
check_eq 'the reader never missed alice meanwhile' "$(cat "$tmp/reader")" ''
ok 'fsck: clean' 'certstore $S fsck'
check_eq 'every certificate is there once' \
    "$(certstore $S list | wc -l)" 54
missing=0
i=1
while [ $i -le 50 ]; do
	certstore $S get user$i@example.com >/dev/null || missing=$((missing + 1))
	i=$((i + 1))
done
check_eq 'get finds each of the 50' $missing 0
check_eq 'no temporary file left' "$(find "$st" -name '.*.??????' | wc -l)" 0

# 50 deliveries at once, each smime-verify --import of its own message:
# 40 senders, and 10 messages of one sender signed with 10 certificates.
st=$tmp/imports
S="-S $st"
certstore $S init
mkdir "$tmp/in" "$tmp/rc2"
i=51
while [ $i -le 90 ]; do
	printf 'From: user%d@example.com\nTo: help@example.org\nSubject: %d\n\nhelp\n' $i $i |
	    smime-sign -k "$tmp/ee.key" -c "$tmp/c$i.pem" --chain "$pki/sub-ca.pem" >"$tmp/in/m$i"
	i=$((i + 1))
done
for i in 1 2 3 4 5 6 7 8 9 10; do
	printf 'From: renew@example.com\nTo: help@example.org\nSubject: r%d\n\nhelp\n' $i |
	    smime-sign -k "$tmp/ee.key" -c "$tmp/r$i.pem" --chain "$pki/sub-ca.pem" >"$tmp/in/r$i"
done
for m in "$tmp"/in/*; do
	n=${m##*/}
	{ smime-verify $S $ca --import <"$m" >"$tmp/rc2/$n.out"; echo $? >"$tmp/rc2/$n.rc"; } &
done
wait
check_eq '50 concurrent smime-verify --import: all exit 0' \
    "$(cat "$tmp"/rc2/*.rc | sort | uniq -c | sed 's/^ *//')" '50 0'
check_eq 'and all 50 passed' \
    "$(cat "$tmp"/rc2/*.out | grep -c 'smime=pass')" 50
check_eq 'all 50 certificates are in the store' \
    "$(certstore $S list | grep -c '@example.com')" 50
check_eq 'the one sender has its 10' \
    "$(certstore $S list renew@example.com | wc -l)" 10
ok 'fsck after the 50: clean' 'certstore $S fsck'
check_eq 'parses' "$(parses "$st")" ''

# SIGKILL at random moments of 100 writers (adds, and removes, whose
# index rewrite is the largest write), each alone.
st=$tmp/killed
S="-S $st"
certstore $S init && certstore $S $ca add "$pki/chain.pem" "$tmp/c150.pem"
bad=0 unclean=0 recovered=0
i=1
while [ $i -le 100 ]; do
	if [ $((i % 4)) -eq 0 ]; then
		certstore $S remove user$((i - 1))@example.com >/dev/null 2>&1 &
	elif [ $((i % 10)) -eq 1 ]; then
		k=$((100 + i / 10 * 3))
		cat "$tmp/c$((k + 1)).pem" "$tmp/c$((k + 2)).pem" \
		    "$tmp/c$((k + 3)).pem" >"$tmp/three.pem"
		certstore $S $ca add "$tmp/three.pem" >/dev/null 2>&1 &
	else
		certstore $S $ca add "$tmp/c$i.pem" >/dev/null 2>&1 &
	fi
	pid=$!
	sleep "$(awk -v s=$i 'BEGIN { srand(s); printf "0.%03d", rand() * 40 }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	parses "$st" >"$tmp/why" || bad=$((bad + 1))
	# No --repair: whoever takes the lock next (fsck here) finishes
	# what a killed writer left, as its `dirty` marker tells it to.
	certstore $S fsck -v 2>"$tmp/fsck.err" || unclean=$((unclean + 1))
	grep -q 'completed' "$tmp/fsck.err" && recovered=$((recovered + 1))
	i=$((i + 1))
done
check_eq 'after each of 100 kills every file of the store parses' $bad 0
check_eq 'and fsck, without --repair, is clean' $unclean 0
echo "# $recovered of the 100 kills left work that the next writer finished"
ok 'the store still works: get user150' 'certstore $S get user150@example.com'
check_eq 'no temporary file left' "$(find "$st" -name '.*.??????' | wc -l)" 0
ok 'a writer after the kills' 'certstore $S $ca add "$tmp/c99.pem" && certstore $S get user99@example.com'

# A full disk during an import: 75, and the store as it was, byte for
# byte, wherever the space runs out.  On tmpfs each file takes a 4 KiB
# page: with 0, 4 or 8 KiB free, bob's certificate, its .meta or the
# index journal is the file that does not fit.
snap() {
	(cd "$1" && find . \( -type f -o -type l \) -print | LC_ALL=C sort |
	    while read -r f; do sha256sum "$f"; done)
}
# free_kib DIR N: fill DIR's file system but for N KiB.
free_kib() {
	rm -f "$1/fill"
	dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null
	[ "$2" -eq 0 ] || truncate -s "-$2K" "$1/fill"
	df -k "$1" | awk 'NR == 2 { print $4 }'
}
cp "$pki/bob.key" "$tmp/bob.key"
chmod 600 "$tmp/bob.key"
printf 'From: bob@example.com\nTo: help@example.org\nSubject: full\n\nhelp\n' |
    smime-sign -k "$tmp/bob.key" -c "$pki/bob.pem" --chain "$pki/sub-ca.pem" >"$tmp/bob.eml"
mnt=$tmp/small
levels='0 4 8'
small_fs "$mnt" 200k
if [ -n "$why" ]; then
	skip 'full disk: init and add' "$why"
	for k in $levels; do
		for d in 'the disk is that full' 'add is 75' \
		    'add says the store is unchanged' 'add: the store as it was' \
		    'import is 75' 'import says the store is unchanged' \
		    'import: the store as it was'; do
			skip "full disk, $k KiB free: $d" "$why"
		done
	done
	for d in 'full disk: no temporary file' 'full disk: add once there is room' \
	    'full disk: import once there is room' 'full disk: fsck clean'; do
		skip "$d" "$why"
	done
else
	st=$mnt/store
	S="-S $st"
	ok 'full disk: init and add' 'certstore $S init && certstore $S $ca add "$pki/chain.pem" "$pki/alice.pem"'
	for k in $levels; do
		check_eq "full disk, $k KiB free: the disk is that full" \
		    "$(free_kib "$mnt" $k)" $k
		snap "$st" >"$tmp/s0"
		expect_code "full disk, $k KiB free: add is 75" 75 \
		    'certstore $S $ca add "$pki/bob.pem"'
		check_grep "full disk, $k KiB free: add says the store is unchanged" \
		    'No space left on device: the store is unchanged, try again' "$tmp/.err"
		snap "$st" >"$tmp/s1"
		check_same "full disk, $k KiB free: add: the store as it was" "$tmp/s0" "$tmp/s1"
		expect_code "full disk, $k KiB free: import is 75" 75 \
		    'smime-verify $S $ca --import <"$tmp/bob.eml" >/dev/null'
		check_grep "full disk, $k KiB free: import says the store is unchanged" \
		    'No space left on device: the store is unchanged, try again' "$tmp/.err"
		snap "$st" >"$tmp/s1"
		check_same "full disk, $k KiB free: import: the store as it was" "$tmp/s0" "$tmp/s1"
	done
	check_eq 'full disk: no temporary file' \
	    "$(find "$st" -name '.*.??????' | wc -l)" 0
	rm "$mnt/fill"
	ok 'full disk: add once there is room' 'certstore $S $ca add "$pki/bob.pem"'
	ok 'full disk: import once there is room' \
	    'smime-verify $S $ca --import <"$tmp/bob.eml" >/dev/null &&
	    grep -q "^last-seen: " "$st"/certs/*.meta'
	ok 'full disk: fsck clean' 'certstore $S fsck'
	umount "$mnt"
fi

# A rename that fails midway (a folder where the .meta of a new
# certificate goes): what was renamed is taken back, the signer's .meta
# it replaced included, and no dirty marker is left.
st=$tmp/undo
S="-S $st"
printf 'subjectAltName=email:user5@example.com\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=emailProtection\n' >"$tmp/ext.cnf"
openssl x509 -req -in "$tmp/ee.csr" -CA "$pki/sub-ca.pem" -CAkey "$tmp/sub-ca.key" \
    -set_serial 0xa005 -days 3650 -extfile "$tmp/ext.cnf" -out "$tmp/c5b.pem" 2>/dev/null
m5() {
	printf 'From: user5@example.com\nTo: help@example.org\nSubject: 5\n\nhelp\n' |
	    smime-sign -k "$tmp/ee.key" -c "$tmp/c5.pem" --chain "$pki/sub-ca.pem" "$@"
}
m5 >"$tmp/m5.eml"
m5 --chain "$tmp/c5b.pem" >"$tmp/m5b.eml"
certstore $S init && smime-verify $S $ca --import <"$tmp/m5.eml" >/dev/null
c5b=$(openssl x509 -in "$tmp/c5b.pem" -outform DER | sha256sum | cut -c1-64)
mkdir "$st/certs/$c5b.meta"
snap "$st" >"$tmp/s0"
expect_code 'a rename that fails midway: 73' 73 \
    'smime-verify $S $ca --import <"$tmp/m5b.eml" >/dev/null'
check_grep 'it names the file' "cannot rename into '.*/certs/$c5b\\.meta': " "$tmp/.err"
snap "$st" >"$tmp/s1"
check_same 'and the store is as it was, the signer'"'"'s .meta too' "$tmp/s0" "$tmp/s1"
rmdir "$st/certs/$c5b.meta"
ok 'then the import succeeds' \
    'smime-verify $S $ca --import <"$tmp/m5b.eml" >/dev/null && certstore $S fsck'
check_eq 'with both certificates of user5' "$(certstore $S list user5@example.com | wc -l)" 2

done_testing
