# smimetools: plain make, no configure.
#
#   make            build the five commands (installs missing build deps)
#   make check      unit and end-to-end tests: a plain build, an ASan+UBSan
#                   build and a valgrind pass, mandoc -Tlint, then the
#                   libFuzzer targets, each for FUZZTIME (60) seconds,
#                   FUZZJOBS (2) at a time
#   make fuzz       the libFuzzer targets alone (FUZZTIME=1800 for a long run)
#   make check SAN=1  only the ASan+UBSan pass
#   make demo       show what the tools do on a sample message
#   make demo-ldap  the same over a throwaway LDAP server (slapd) shared by
#                   two gateways
#   make bench      time and memory next to openssl cms, certstore at
#                   scale, over a throwaway slapd too (not a test)
#   make install / uninstall   PREFIX, DESTDIR, BINDIR, MANDIR honoured
#   make deb        the Debian package, in build/deb/ (installs dpkg-dev,
#                   debhelper, fakeroot, lintian if missing)

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
PKGS = libcrypto libmagic popt ldap libp11

SAN ?= 0
ifeq ($(SAN),1)
BUILD = build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
else
BUILD = build
SANFLAGS =
# Hardening; FORTIFY needs optimisation and fights ASan, so plain builds only.
override CPPFLAGS += -D_FORTIFY_SOURCE=2
endif

# Kept whatever CFLAGS the caller gives.
override CFLAGS += -std=c11 -Wall -Wextra -Wpedantic -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
	-Wno-sign-compare -fstack-protector-strong -fPIE $(SANFLAGS)
override CPPFLAGS += -D_POSIX_C_SOURCE=200809L -DVERSION='"$(VERSION)"' \
	-Icommon -I$(BUILD)/gen -MMD -MP
override LDFLAGS += -pie -Wl,-z,relro,-z,now $(SANFLAGS)

# Recursive on purpose: expanded when a recipe runs, after `deps`.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# libmagic (magic_type.c) and libldap (ldap_dl.c) are dlopen()ed when
# needed: their headers only.
PKG_LIBS = $(shell $(PKG_CONFIG) --libs libcrypto popt libp11 2>/dev/null || \
	echo -lcrypto -lpopt -lp11)

TOOLS = smime-sign smime-verify smime-encrypt smime-decrypt certstore
MODULES = err buf json io opts mime mime_field mime_cte hdr hp hcp keys cms cms_env cms_envw kari p11uri p11 policy ber p7in \
	magic_type filter verify decrypt \
	encrypt sign cert store_meta store_be store_fs store_index store_fsck store_dir \
	store_ldap ldap_dl store store_judge store_identity store_input store_verbs \
	store_ldap_verbs
UNITS = err hdr hp hcp io mime mime_cte policy ber cert store_ldap kari p11uri

LIB = $(BUILD)/libcommon.a
OBJS = $(MODULES:%=$(BUILD)/common/%.o)
BINS = $(TOOLS:%=$(BUILD)/%) $(BUILD)/smime-inbound
TESTBINS = $(BUILD)/test-tool $(UNITS:%=$(BUILD)/%_test)
MAN1 = $(TOOLS:%=man/%.1)
MAN5 = man/certstore.5
MAN7 = man/smimetools.7
MAN1S = man/smime-sendmail.1 man/smime-inbound.1
MAN8 = man/smime-cron.8
SCRIPTS = scripts/smime-sendmail scripts/smime-cron
RECIPES = scripts/procmailrc.smime scripts/maildrop.smime
# The LDAP schema, for a directory that holds a store's certificates.
SCHEMA = scripts/smimetools.ldif
SHAREDIR = $(PREFIX)/share/smimetools

.PHONY: all deps deps-test check check-one check-valgrind lint demo demo-ldap bench fuzz fuzz-build \
	install uninstall clean

all: deps $(BINS)

# Build dependencies: install them when pkg-config cannot find one.
deps:
	@$(PKG_CONFIG) --exists $(PKGS) 2>/dev/null || scripts/install-deps

# Test peers too (mandoc, valgrind, procmail, ...).
deps-test: deps
	@test -z "$$(scripts/install-deps --list)" || scripts/install-deps

$(BUILD)/common/%.o: common/%.c | $(BUILD)/common
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/cmd/%.o: cmd/%.c | $(BUILD)/cmd
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/testdata/%.o: testdata/%.c | $(BUILD)/testdata
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(OBJS) Makefile
	rm -f $@
	$(AR) rcs $@ $(OBJS)

$(BUILD)/%: $(BUILD)/cmd/%.o $(LIB)
	$(CC) $(LDFLAGS) $< $(LIB) $(PKG_LIBS) -o $@

# The recipes find smime-inbound beside the commands (SMIME_BINDIR).
$(BUILD)/smime-inbound: scripts/smime-inbound | $(BUILD)/cmd
	cp $< $@

$(BUILD)/test-tool: $(BUILD)/testdata/test-tool.o $(LIB)
	$(CC) $(LDFLAGS) $< $(LIB) $(PKG_LIBS) -o $@

$(BUILD)/%_test: $(BUILD)/common/%_test.o $(LIB)
	$(CC) $(LDFLAGS) $< $(LIB) $(PKG_LIBS) -o $@

$(BUILD)/common $(BUILD)/cmd $(BUILD)/testdata $(BUILD)/gen:
	mkdir -p $@

# certstore ldap schema prints the schema file as it is in the tree: a C
# array made from its bytes at build time (a string literal that long is
# beyond what C11 promises), never a copy by hand.
$(BUILD)/gen/smimetools_ldif.h: scripts/smimetools.ldif | $(BUILD)/gen
	{ echo '/* Generated from $< by make: do not edit. */'; \
	  echo 'static const char smimetools_ldif[] = {'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0 };'; } >$@.tmp && mv $@.tmp $@
$(BUILD)/common/store_ldap_verbs.o: $(BUILD)/gen/smimetools_ldif.h

# One pass: unit tests and end-to-end scripts under prove.
check-one: deps-test $(BINS) $(TESTBINS)
	@echo "== tests, $(BUILD)"
	@PATH="$(CURDIR)/$(BUILD):$$PATH" SMIME_TEST_BUILD="$(CURDIR)/$(BUILD)" \
	    prove -j2 --exec '' $(UNITS:%=$(BUILD)/%_test) testdata/*.t

# The end-to-end tests of every command under valgrind: every command is
# wrapped, and a valgrind error (a definite leak, a read of uninitialised
# memory) makes it exit 99, which no test expects.  The tests: the
# pass-through ones, sign and verify (0010 to 0012: not 0013's 240
# signatures), certstore (0020, 0022), encrypt and decrypt (0030, 0033,
# PKI.js's 0034), procmail (0040), the attacks (0050 to
# 0055), secret hygiene (0056), the entity merge, direct output and
# streamed decryption (0057 to 0059), the directory server (0071, 0073,
# 0075; not 0072, whose fifty imports at once are a load test of the same
# code, and under valgrind a test of the machine), header protection
# (0080, 0081; not 0082's 136 round trips through the same code),
# signer certificates from our side (0083) and keys on a PKCS#11 token
# (0090, SoftHSM2); the long ones first, for prove -j2.
# About 13 minutes on two cores: valgrind is 20 to 50 times slower, and
# each start costs 0.4 s.
# Under SMIME_TEST_VALGRIND a test skips only what cannot run there (the
# 10,000-certificate bundles), saying why, and widens its time bounds.
VGTESTS = testdata/0071-*.t testdata/0020-*.t testdata/0010-*.t testdata/0011-*.t \
	testdata/0052-*.t testdata/0090-*.t testdata/0012-*.t testdata/0022-*.t \
	testdata/0030-*.t testdata/0033-*.t testdata/0040-*.t \
	testdata/0050-*.t testdata/0051-*.t testdata/0053-*.t \
	testdata/0054-*.t testdata/0055-*.t testdata/0056-*.t \
	testdata/0057-*.t testdata/0058-*.t testdata/0059-*.t \
	testdata/0034-*.t testdata/006*.t testdata/*-passthrough*.t \
	testdata/0073-*.t testdata/0075-*.t testdata/0080-*.t testdata/0081-*.t \
	testdata/0083-*.t
check-valgrind: deps-test $(BINS) $(TESTBINS)
	@echo "== tests under valgrind"
	@rm -rf $(BUILD)/vg && mkdir -p $(BUILD)/vg
	@for t in $(TOOLS); do \
	    printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "%s" "$$@"\n' \
	    "$(CURDIR)/$(BUILD)/$$t" > $(BUILD)/vg/$$t; chmod +x $(BUILD)/vg/$$t; done
	@# The recipes take SMIME_BINDIR from where smime-decrypt is.
	@cp scripts/smime-inbound $(BUILD)/vg/
	@PATH="$(CURDIR)/$(BUILD)/vg:$(CURDIR)/$(BUILD):$$PATH" \
	    SMIME_TEST_BUILD="$(CURDIR)/$(BUILD)" SMIME_TEST_VALGRIND=1 \
	    prove -j2 --timer $(VGTESTS)

# make check's builds (plain, ASan+UBSan, fuzz targets) compile on
# CHECKJOBS (2) cores unless make was given a -j of its own; the tests
# bring their own parallelism (prove -j2, make fuzz's FUZZJOBS).
CHECKJOBS ?= 2
CHECK_J = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(CHECKJOBS))

ifeq ($(SAN),1)
check: check-one
else
check: deps-test
	@$(MAKE) --no-print-directory $(CHECK_J) check-one
	@$(MAKE) --no-print-directory $(CHECK_J) check-one SAN=1
	@$(MAKE) --no-print-directory check-valgrind
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory $(CHECK_J) fuzz-build
	@$(MAKE) --no-print-directory fuzz
endif

# libFuzzer targets (clang).  FUZZTIME seconds each; corpora are seeded
# from testdata/ and the corpus and kept in fuzz/corpus-NAME (not
# committed).  mime fuzzes the parser (and hdr's readers and writers on
# every field) and cte the transfer-encoding codecs the writer uses (round
# trips), hp the reader of protected headers, all with leak detection;
# verify,
# decrypt and sign run the whole filter in-process, where a fatal error
# longjmp()s back instead of exiting and leaks what exit would free, so
# they run without it (sign also has smime-verify check what it wrote);
# certstore fuzzes what certstore add reads.
FUZZERS = mime cte hp verify decrypt sign certstore p11
FUZZTIME ?= 60
FUZZFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -Icommon -Ibuild/gen \
	-D_POSIX_C_SOURCE=200809L -std=c11 -DVERSION='"fuzz"' \
	-DPKI_DIR='"$(CURDIR)/testdata/pki"'
FUZZSRC_mime = common/mime.c common/mime_field.c common/hdr.c common/buf.c \
	common/err.c
FUZZSRC_hp = common/hp.c $(FUZZSRC_mime) common/io.c
FUZZSRC_all = $(MODULES:%=common/%.c)
FUZZLIBS = -lcrypto -lmagic -lpopt -lp11

# Each module is compiled once, into build-fuzz/common/, and linked into
# every target that needs it: the same flags, so the same objects as when
# each target compiled its own copy (four of them compiled all of them).
FUZZOBJ_mime = $(FUZZSRC_mime:common/%.c=build-fuzz/common/%.o)
FUZZOBJ_hp = $(FUZZSRC_hp:common/%.c=build-fuzz/common/%.o)
FUZZOBJ_all = $(FUZZSRC_all:common/%.c=build-fuzz/common/%.o)

build-fuzz/common:
	mkdir -p $@

build-fuzz/common/%.o: common/%.c | build-fuzz/common
	clang $(FUZZFLAGS) -MMD -MP -c $< -o $@
build-fuzz/common/store_ldap_verbs.o: build/gen/smimetools_ldif.h

build-fuzz/mime_fuzz: fuzz/mime_fuzz.c $(FUZZOBJ_mime)
	clang $(FUZZFLAGS) $< $(FUZZOBJ_mime) -lcrypto -o $@

build-fuzz/p11_fuzz: fuzz/p11_fuzz.c build-fuzz/common/p11uri.o
	clang $(FUZZFLAGS) $< build-fuzz/common/p11uri.o -o $@

build-fuzz/hp_fuzz: fuzz/hp_fuzz.c $(FUZZOBJ_hp)
	clang $(FUZZFLAGS) $< $(FUZZOBJ_hp) -lcrypto -o $@

build-fuzz/cte_fuzz: fuzz/cte_fuzz.c build-fuzz/common/mime_cte.o
	clang $(FUZZFLAGS) $< build-fuzz/common/mime_cte.o -o $@

build-fuzz/%_fuzz: fuzz/%_fuzz.c fuzz/tool_fuzz.h $(FUZZOBJ_all)
	clang $(FUZZFLAGS) $< $(FUZZOBJ_all) $(FUZZLIBS) -o $@

fuzz-build: deps-test $(FUZZERS:%=build-fuzz/%_fuzz)

# FUZZJOBS targets at a time, each on one core for FUZZTIME seconds (7
# targets, 2 at a time: 4 rounds).  Each writes its whole output to
# build-fuzz/NAME.log, and make -O prints what a target shows (its stats,
# any error) when it ends, never mixed with another's.  A finding goes to
# build-fuzz/NAME/ (crash-*, leak-*, timeout-*, oom-*, what libFuzzer
# names them) and fails the run, as does a fuzzer's non-zero exit; -k lets
# the other targets finish and show their stats first.
FUZZJOBS ?= 2

fuzz: fuzz-build
	@$(MAKE) --no-print-directory -k -j$(FUZZJOBS) -O \
	    $(FUZZERS:%=fuzz-run-%)

.PHONY: $(FUZZERS:%=fuzz-run-%)
$(FUZZERS:%=fuzz-run-%): fuzz-run-%: build-fuzz/%_fuzz
	@mkdir -p fuzz/corpus-$* build-fuzz/$*
	@case $* in \
	certstore) seeds='*.pem *.der *.p7b *.p7c *.crt *.cer *.p7s *.eml' ;; \
	p11) seeds='*.p11seed' ;; \
	*) seeds='*.eml *.mbox *.message *.p7m *.msg' ;; esac; \
	{ ls testdata/fuzz-regress/*; \
	  for g in $$seeds; do find testdata -name "$$g"; done; } | \
	    head -2000 | \
	    while read -r s; do cp "$$s" fuzz/corpus-$*/ 2>/dev/null; done; \
	case $* in mime|cte|hp|certstore|p11) leaks=1 ;; *) leaks=0 ;; esac; \
	echo "== fuzz $*, $(FUZZTIME) s"; \
	rc=0; ASAN_OPTIONS=detect_leaks=$$leaks build-fuzz/$*_fuzz \
	    -max_total_time=$(FUZZTIME) -max_len=200000 \
	    -timeout=10 -rss_limit_mb=4096 -detect_leaks=$$leaks \
	    -print_final_stats=1 -artifact_prefix=build-fuzz/$*/ \
	    fuzz/corpus-$* >build-fuzz/$*.log 2>&1 || rc=$$?; \
	found=$$(ls build-fuzz/$*/crash-* build-fuzz/$*/leak-* \
	    build-fuzz/$*/timeout-* build-fuzz/$*/oom-* 2>/dev/null); \
	if test $$rc -eq 0 && test -z "$$found"; then \
	    grep -E -e '^(stat::|#[0-9]+.*(DONE|pulse))|ERROR|SUMMARY' \
	        -e 'crash-|leak-|timeout-|oom-' build-fuzz/$*.log | \
	        tail -12; \
	    exit 0; \
	fi; \
	grep '^stat::' build-fuzz/$*.log; \
	if grep -q ERROR build-fuzz/$*.log; then \
	    sed -n '/ERROR/,$$p' build-fuzz/$*.log | grep -v '^stat::' | \
	        head -60; \
	elif test $$rc -ne 0; then tail -20 build-fuzz/$*.log; fi; \
	echo "== fuzz $*: FAILED (exit $$rc)$${found:+, found:}" $$found; \
	echo "   the whole output: build-fuzz/$*.log; reproduce with" \
	    "build-fuzz/$*_fuzz FILE"; \
	exit 1

# The objects of the library must not need each other in a cycle
# (scripts/objdeps prints who needs whom and names a cycle).
lint: deps-test $(LIB)
	@echo "== mandoc -Tlint"
	@mandoc -Tlint -W warning $(MAN1) $(MAN1S) $(MAN5) $(MAN7) $(MAN8) && \
	    echo "man pages: clean"
	@echo "== object dependencies, $(LIB)"
	@scripts/objdeps $(LIB) >/dev/null && echo "objects: no cycle"
	@echo "== licence lines"
	@scripts/add-licence-header --check && echo "sources: ISC, each"

demo: deps-test all
	@scripts/demo "$(CURDIR)/$(BUILD)"

demo-ldap: deps-test all
	@scripts/demo-ldap "$(CURDIR)/$(BUILD)"

bench: deps-test all
	@scripts/bench "$(CURDIR)/$(BUILD)"
	@scripts/bench-store "$(CURDIR)/$(BUILD)"
	@scripts/bench-ldap "$(CURDIR)/$(BUILD)"

# The recipe files name where the commands and themselves are installed.
install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SHAREDIR)
	install -m 755 $(BINS) $(SCRIPTS) $(DESTDIR)$(BINDIR)
	for f in $(RECIPES); do \
	    sed -e 's|/usr/local/bin|$(BINDIR)|g' \
	        -e 's|/usr/local/share/smimetools|$(SHAREDIR)|g' $$f \
	        >$(DESTDIR)$(SHAREDIR)/$${f#scripts/} && \
	    chmod 644 $(DESTDIR)$(SHAREDIR)/$${f#scripts/} || exit 1; \
	done
	install -m 644 $(SCHEMA) $(DESTDIR)$(SHAREDIR)
	install -m 644 $(MAN1) $(MAN1S) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%) $(DESTDIR)$(BINDIR)/smime-inbound
	rm -f $(SCRIPTS:scripts/%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(RECIPES:scripts/%=$(DESTDIR)$(SHAREDIR)/%)
	rm -f $(SCHEMA:scripts/%=$(DESTDIR)$(SHAREDIR)/%)
	rmdir $(DESTDIR)$(SHAREDIR) 2>/dev/null || true
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%)
	rm -f $(MAN1S:man/%=$(DESTDIR)$(MANDIR)/man1/%)
	rm -f $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%)
	rm -f $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%)
	rm -f $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%)

# The Debian package (debian/), built from a copy of the tree in
# build/deb/: dpkg-buildpackage cleans the tree it builds in and writes
# the .deb beside it, so the work tree and its parent stay as they are.
# lintian fails the target on an error.  scripts/check-deb then compares
# what the package installs with what `make install` does.
DEBDIR = build/deb
DEBSRC = $(DEBDIR)/smimetools-$(VERSION)

.PHONY: deb deps-deb

deps-deb:
	@test -z "$$(scripts/install-deps --deb --list)" || scripts/install-deps --deb

deb: deps-deb
	rm -rf $(DEBDIR)
	mkdir -p $(DEBSRC)
	tar -cf - --exclude=./.git --exclude=./build --exclude=./build-san \
	    --exclude=./build-fuzz --exclude='./fuzz/corpus-*' . | \
	    tar -xf - -C $(DEBSRC)
	cd $(DEBSRC) && dpkg-buildpackage -b -us -uc
	lintian --info --display-level '>=warning' $(DEBDIR)/*.changes
	@ls $(DEBDIR)/*.deb

clean:
	rm -rf build build-san build-fuzz

.SECONDARY:
-include $(wildcard build/*/*.d build-san/*/*.d build-fuzz/common/*.d)
