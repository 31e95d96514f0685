#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# Secret hygiene, seen from outside the process (smimetools(7) Keys,
# smime-sign(1) --passin): while smime-sign waits for its passphrase, it
# already cannot dump core; the passphrase never shows in its command line or
# environment unless given there (pass:, env:); once the key is loaded
# (smime-sign blocked on its input), the passphrase and key files are
# closed, the passphrase is nowhere in its memory, and a signal makes no
# core file; no error message carries the passphrase or the key.
#
# Every check has a control, so that it can fail: the core limit is
# raised before the command starts, pass: and env: show the passphrase
# where file: and fd: must not (the memory search finds pass:'s in argv),
# a process that did not protect itself dumps core where smime-sign must
# not.  Reading another process's
# memory and environment needs root; without it those checks skip.
. "$(dirname "$0")/lib.sh"
plan 36

pki=$testdir/pki
# A passphrase found nowhere else (mem_has_pw also looks for its UTF-16
# form, PKCS#12's).
pw=Qx7vK9-passphrase-zebra-1174
wrong=Wr0ng-guess-mango-5531
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout "pass:$pw" \
    -in "$pki/alice.key" -out "$tmp/enc.key" 2>/dev/null
openssl pkcs12 -export -inkey "$pki/alice.key" -in "$pki/alice.pem" \
    -passout "pass:$pw" -out "$tmp/alice.p12" 2>/dev/null
chmod 600 "$tmp/enc.key" "$tmp/alice.p12"
printf '%s\n' "$pw" >"$tmp/pw"
printf 'From: alice@example.com\nSubject: s\n\nhello\n' >"$tmp/m.eml"
root=$(id -u)
# Fixed strings of the key: its base64 lines, plain and encrypted.
grep -v -- '-----' "$pki/alice.key" "$tmp/enc.key" | sed 's/^[^:]*://' \
    >"$tmp/keylines"

# wait_for SECONDS CMD: polls until CMD succeeds; 1 if it never does.
wait_for() {
	_i=0
	while ! eval "$2"; do
		_i=$((_i + 1))
		[ "$_i" -gt $(($1 * 10)) ] && return 1
		sleep 0.1
	done
}

# start SRC...: smime-sign -k enc.key with --passin SRC in the
# background, its core limit raised first (the control: a limit of 0
# seen later is smime-sign's doing), its passphrase and its input each
# a FIFO that this shell holds open (fds 4 and 5), so that it blocks on
# each in turn; $pid is its process, $tmp/run its folder.
mkdir -p "$tmp/run"
start() {
	rm -f "$tmp/pw.fifo" "$tmp/in.fifo"
	mkfifo "$tmp/pw.fifo" "$tmp/in.fifo"
	exec 4<>"$tmp/pw.fifo" 5<>"$tmp/in.fifo"
	(
		exec 4>&- 5>&-
		cd "$tmp/run" || exit 1
		ulimit -S -c unlimited 2>/dev/null || ulimit -S -c 100000
		ulimit -S -c >"$tmp/limit.before"
		exec smime-sign -k "$tmp/enc.key" -c "$pki/alice.pem" "$@" \
		    <"$tmp/in.fifo" >"$tmp/out" 2>"$tmp/err"
	) &
	pid=$!
}
# The command has this FIFO (or file) open: on a descriptor of its own,
# not the 4 and 5 the subshell holds until it closes them and execs.
has_open() {
	ls -l "/proc/$pid/fd" 2>/dev/null | grep -- "-> $1\$" |
	    grep -q -v ' [45] -> '
}
# on_read FD: it waits in read(2) on FD (on 0: the key is loaded, the
# input not read yet).
on_read() {
	read -r _nr _fd _rest <"/proc/$pid/syscall" 2>/dev/null &&
	    [ "$_nr" = 0 ] && [ "$_fd" = "0x$1" ]
}
give_pw() {
	printf '%s\n' "$pw" >&4
	exec 4>&-
}
finish() {	# the message, then its exit status
	cat "$tmp/m.eml" >&5
	exec 5>&-
	wait "$pid"
}
core_limit() {	# soft and hard "Max core file size" of $pid
	awk '/^Max core file size/ { print $5, $6 }' "/proc/$pid/limits"
}
# Does the process's readable memory hold the passphrase (ASCII or
# UTF-16BE)?  0 yes (where, on stdout), 1 no, 2 it could not look.
# Needs root: /proc/PID/mem of a non-dumpable process.
mem_has_pw() {
	python3 - "$pid" "$pw" <<'EOF'
import re, sys
pid, pw = sys.argv[1], sys.argv[2].encode()
pats = (pw, pw.decode().encode("utf-16-be"))
step, keep = 1 << 20, 2 * len(pw)
found = 0
try:
    with open(f"/proc/{pid}/maps") as maps, \
            open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
            if not m or "[vvar]" in line or "[vsyscall]" in line:
                continue
            lo, hi = int(m.group(1), 16), int(m.group(2), 16)
            if hi - lo > 8 << 30:
                print("too large to read:", line.strip())
                sys.exit(2)
            tail = b""
            for at in range(lo, hi, step):
                try:
                    mem.seek(at)
                    chunk = tail + mem.read(min(step, hi - at))
                except OSError:
                    break
                if any(p in chunk for p in pats):
                    print(line.strip())
                    found = 1
                    break
                tail = chunk[-keep:]
except OSError as e:
    print(e)
    sys.exit(2)
sys.exit(0 if found else 1)
EOF
}

# The checks on a running process read /proc/PID/fd, syscall, environ
# and mem: of a process that made itself non-dumpable (what is checked
# here), only root can.
if [ "$root" != 0 ]; then
	for d in 'core limit raised before' 'core limit 0 reading the passphrase' \
	    'file: not in the command line' 'file: not in the environment' \
	    'passphrase FIFO closed' 'key file closed' 'core limit 0 with the key' \
	    'passphrase wiped from memory' 'then it signs' \
	    'fd: not in the command line' 'env: in the environment (control)' \
	    'fd: signs' 'pass: in the command line (control)' \
	    'pass: in its memory (control)' 'pass: signs'; do
		skip "$d" 'needs root: /proc/PID of a non-dumpable process'
	done
else

# 1. Blocked reading the passphrase from a FIFO.
start --passin "file:$tmp/pw.fifo"
if wait_for 60 'has_open "$tmp/pw.fifo"'; then
	check_eq 'the core limit was raised before it started' \
	    "$(cat "$tmp/limit.before")" unlimited
	check_eq 'reading its passphrase, it cannot dump core (limit 0 0)' \
	    "$(core_limit)" '0 0'
	check_nogrep 'file: the passphrase is not in its command line' "$pw" \
	    "/proc/$pid/cmdline"
	check_nogrep 'file: nor in its environment' "$pw" "/proc/$pid/environ"
else
	for i in 1 2 3 4; do
		_report 1 'smime-sign opens its passphrase FIFO' "$(cat "$tmp/err")"
	done
fi

# 2. The key loaded, blocked on its input.
give_pw
if wait_for 60 'on_read 0'; then
	ls -l "/proc/$pid/fd/" >"$tmp/fds" 2>&1
	check_nogrep 'the passphrase FIFO is closed' 'pw\.fifo' "$tmp/fds"
	check_nogrep 'the key file is closed' 'enc\.key' "$tmp/fds"
	check_eq 'the core limit stays 0 with the key loaded' \
	    "$(core_limit)" '0 0'
	case ${SMIME_TEST_BUILD-} in
	*-san)	skip 'the passphrase is wiped from its memory' \
		    "ASan reserves terabytes; the plain build and valgrind's run look" ;;
	*)	if command -v python3 >/dev/null; then
			mem_has_pw >"$tmp/where"
			r=$?
			[ "$r" -eq 1 ]
			_report $? 'the passphrase is wiped from its memory' \
			    "exit $r (0: found): $(cat "$tmp/where")"
		else
			skip 'the passphrase is wiped from its memory' 'no python3'
		fi ;;
	esac
else
	for i in 1 2 3 4; do
		_report 1 'smime-sign reads its input after loading the key' \
		    "$(cat "$tmp/err")"
	done
fi
finish
check_eq 'then it signs' "$?" 0

# 3. fd: and the controls: the same greps find the passphrase where the
# caller did put it (pass:, the environment).
rm -f "$tmp/pw.fifo"
mkfifo "$tmp/pw.fifo"
exec 4<>"$tmp/pw.fifo"
SECRET_PW=$pw smime-sign -k "$tmp/enc.key" -c "$pki/alice.pem" \
    --passin fd:3 3<"$tmp/pw.fifo" 4>&- <"$tmp/m.eml" >"$tmp/out" \
    2>"$tmp/err" &
pid=$!
if wait_for 60 'on_read 3'; then
	check_nogrep 'fd: the passphrase is not in its command line' "$pw" \
	    "/proc/$pid/cmdline"
	check_grep 'env: in /proc/PID/environ (the control)' \
	    "SECRET_PW=$pw" "/proc/$pid/environ"
else
	for i in 1 2; do
		_report 1 'smime-sign reads fd 3' "$(cat "$tmp/err")"
	done
fi
printf '%s\n' "$pw" >&4
exec 4>&-
wait "$pid"
check_eq 'fd: signs' "$?" 0

start --passin "pass:$pw"
exec 4>&-
if wait_for 60 'on_read 0'; then
	check_grep 'pass: is in the command line (the control)' "$pw" \
	    "/proc/$pid/cmdline"
	# So in its memory too, argv: the memory search finds it.
	case ${SMIME_TEST_BUILD-} in
	*-san)	skip 'pass: found in its memory (the control)' 'ASan' ;;
	*)	mem_has_pw >"$tmp/where"
		check_eq 'pass: found in its memory (the control)' "$?" 0 ;;
	esac
else
	_report 1 'smime-sign reads its input' "$(cat "$tmp/err")"
	_report 1 'smime-sign reads its input'
fi
finish
check_eq 'pass: signs' "$?" 0

fi

# 4. No core file: a signal while the key is loaded.  The control is a
# process that did not protect itself, in the same folder with the same
# limit: it does leave a core (when the system writes them there).
# SIGABRT: its default action dumps core, ASan does not catch it (a
# SIGSEGV it reports, and exits 86) and a background job does not ignore
# it (SIGQUIT it does).  A shell between, so that its "Aborted" goes to
# /dev/null.
(cd "$tmp/run" && ulimit -S -c unlimited &&
    sh -c 'sh -c "kill -ABRT \$\$"; :' 2>/dev/null)
control=$(ls "$tmp/run" | grep -c '^core')
rm -f "$tmp/run"/*core*
if [ "$root" != 0 ]; then
	for d in 'the control process left a core file' \
	    'SIGABRT with the key loaded: killed' 'and no core file'; do
		skip "$d" 'needs root: /proc/PID/syscall tells when the key is loaded'
	done
elif [ "$control" -gt 0 ]; then
	_report 0 'the control process left a core file'
	start --passin "file:$tmp/pw"
	wait_for 60 'on_read 0'
	kill -ABRT "$pid" 2>/dev/null
	exec 4>&- 5>&-
	wait "$pid" 2>/dev/null
	check_eq 'SIGABRT with the key loaded: killed' "$?" 134
	check_eq 'and no core file' "$(ls "$tmp/run" | grep -c 'core')" 0
else
	skip 'the control process left a core file' \
	    "no core file in the folder (core_pattern $(cat /proc/sys/kernel/core_pattern))"
	skip 'SIGABRT with the key loaded: killed' 'no control'
	skip 'and no core file' 'no control'
fi

# 5. Wrong passphrases, and passphrase sources that are not ones: the
# messages name the file and never the passphrase nor the key.
cut -c1-24 "$tmp/keylines" >"$tmp/keybits"
grep -q -F -f "$tmp/keybits" "$tmp/enc.key"
_report $? 'the key-bytes check finds them in the key (the control)'
noleak() {	# DESC: stderr of the last command
	check_nogrep "$1: not the passphrase" "$pw|$wrong" "$tmp/.err"
	! grep -F -f "$tmp/keybits" "$tmp/.err" >"$tmp/hits"
	_report $? "$1: no key bytes" "$(cat "$tmp/hits")"
}
printf '%s\n' "$wrong" >"$tmp/wrong"
expect_code 'encrypted key, wrong passphrase: 77' 77 \
    'smime-sign -v -k "$tmp/enc.key" -c "$pki/alice.pem" --passin "file:$tmp/wrong" <"$tmp/m.eml"'
noleak 'wrong passphrase, key'
expect_code 'PKCS#12, wrong passphrase: 77' 77 \
    'smime-sign -v -p "$tmp/alice.p12" --passin "file:$tmp/wrong" <"$tmp/m.eml"'
noleak 'wrong passphrase, PKCS#12'
smime-encrypt -r "$pki/alice.pem" <"$tmp/m.eml" >"$tmp/m.p7m"
expect_code 'smime-decrypt, wrong passphrase: 77' 77 \
    'smime-decrypt -v -k "$tmp/enc.key" -c "$pki/alice.pem" --passin "file:$tmp/wrong" <"$tmp/m.p7m"'
noleak 'smime-decrypt'
certstore -S "$tmp/store" init >/dev/null
expect_code 'certstore identity add, wrong passphrase: 77' 77 \
    'certstore -S "$tmp/store" identity add -p "$tmp/alice.p12" --passin "file:$tmp/wrong"'
noleak 'certstore identity add'
# A passphrase typed where its source belongs is not echoed, not even
# in part.
expect_code '--passin with a bare passphrase: usage' 64 \
    'smime-sign -k "$tmp/enc.key" -c "$pki/alice.pem" --passin "$wrong" <"$tmp/m.eml"'
check_nogrep 'bare passphrase: not echoed' "$(printf '%s' "$wrong" | cut -c1-4)" \
    "$tmp/.err"
# A key file that is not one: the reason, not its contents.
head -c 300 "$tmp/enc.key" >"$tmp/trunc.key"
chmod 600 "$tmp/trunc.key"
must_fail 'truncated key' \
    'smime-sign -v -k "$tmp/trunc.key" -c "$pki/alice.pem" --passin "file:$tmp/pw" <"$tmp/m.eml"'
noleak 'truncated key'

done_testing
