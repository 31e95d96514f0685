/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * hdr_test: recognising forged fields, folding, quoting.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hdr.h"
#include "tap.h"

static void
ar(const char *field, int want)
{
	tap_ok(hdr_is_ar_of(field, strlen(field), "mx.example.org") == want,
	    "%s: [%s]", want ? "ours" : "not ours", field);
}

static void
control(const char *field, int want)
{
	tap_ok(hdr_is_control(field, strlen(field)) == want,
	    "%s: [%s]", want ? "control" : "not control", field);
}

static void
bare_cr(const char *field, int want)
{
	tap_ok(hdr_bare_cr(field, strlen(field)) == want,
	    "%s: [%s]", want ? "bare CR" : "no bare CR", field);
}

static void
quoted(const char *in, const char *want)
{
	char *got = hdr_token_or_quoted(in, strlen(in));

	tap_ok(strcmp(got, want) == 0, "quote [%s] -> %s", in, got);
	free(got);
}

static void
addrs(const char *value, int count, const char *first)
{
	char out[320];
	int n = hdr_addresses(value, strlen(value), out, sizeof(out));

	tap_ok(n == count && strcmp(out, first) == 0,
	    "addresses of [%s]: %d, first %s", value, n, out);
}

static void
from(const char *value, enum hdr_from want, const char *addr)
{
	char out[320];
	enum hdr_from got = hdr_from(value, strlen(value), out, sizeof(out));

	tap_ok(got == want && strcmp(out, addr) == 0,
	    "From [%s]: %d %s, wanted %d %s", value, got, out, want, addr);
}

/* The longest line of a field, line end not counted. */
static size_t
longest_line(const char *s)
{
	size_t n, max = 0;
	const char *nl;

	for (; *s != '\0'; s = nl + (*nl != '\0')) {
		if ((nl = strchr(s, '\n')) == NULL)
			nl = s + strlen(s);
		n = (size_t)(nl - s) - (nl > s && nl[-1] == '\r');
		if (n > max)
			max = n;
	}
	return max;
}

int
main(void)
{
	struct hdr_field f;
	char *c, *line, *save;
	int longest = 0;

	ar("Authentication-Results: mx.example.org; smime=pass\n", 1);
	ar("authentication-results:MX.EXAMPLE.ORG;smime=pass\n", 1);
	ar("Authentication-Results: mx.example.org.; smime=pass\n", 1);
	ar("Authentication-Results: \"mx.example.org\"; smime=pass\n", 1);
	ar("Authentication-Results: \"mx\\.example.org\"; smime=pass\n", 1);
	ar("Authentication-Results:\r\n (c (nested)) mx.example.org 1;\r\n"
	    " smime=pass\r\n", 1);
	ar("Authentication-Results \t: mx.example.org; none\n", 1);
	ar("Authentication-Results: mx.example.org\n", 1);
	ar("Authentication-Results: mx.example.org.evil; smime=pass\n", 0);
	ar("Authentication-Results: evil.mx.example.org; smime=pass\n", 0);
	ar("Authentication-Results: x (mx.example.org); smime=pass\n", 0);
	ar("X-Authentication-Results: mx.example.org; smime=pass\n", 0);
	ar("Authentication-Results: ; smime=pass\n", 0);
	ar("Authentication-Results:\n", 0);
	/* As the laxest reader would see it. */
	ar("Authentication-Results: mx.example(x).org; smime=pass\n", 1);
	ar("Authentication-Results: mx.example.org (v) 1; smime=pass\n", 1);
	ar("Authentication-Results: mx.\r\n example.org; smime=pass\n", 1);
	ar("Authentication-Results: \"mx.example\" .org; smime=pass\n", 1);
	ar("Authentication-Results: other.example; smime=pass "
	    "(mx.example.org)\n", 0);
	ar("Authentication-Results: other.example 1; mx.example.org\n", 0);
	ar("Authentication-Results: mx.example.org 1 2; smime=pass\n", 1);
	control("SMIME-Encrypt: no\n", 1);
	control("smime-encrypt:NO\r\n", 1);
	control("SMIME-Encrypt \t: no\n", 1);
	control("SMIME-Encrypt:\n no\n", 1);
	control("X-Ticket: 1\rSMIME-Encrypt: no\n", 1);
	control("X-Ticket: 1\r\rsmime-encrypt : no\n", 1);
	control("X-SMIME-Encrypt: no\n", 0);
	control("SMIME-Encrypted: no\n", 0);
	control("X-Ticket: SMIME-Encrypt: no\n", 0);
	control("X-Ticket: 1\r\n SMIME-Encrypt: no\r\n", 0);
	control("X-Ticket: 1\r", 0);
	bare_cr("X-A: a\rb\n", 1);
	bare_cr("X-A: a\r", 1);
	bare_cr("X-A: a\r\n b\r\n", 0);
	bare_cr("X-A: a\n", 0);
	{
		/* Cut short by the parser before its ';': a forgery. */
		size_t n = 70000;
		char *big = malloc(n + 1);

		memcpy(big, "Authentication-Results: (", 25);
		memset(big + 25, 'x', n - 25);
		big[n] = '\0';
		tap_ok(hdr_is_ar_of(big, n, "mx.example.org") == 1,
		    "a field cut short before its ';' is taken as ours");
		tap_ok(hdr_is_ar_of(big, 1000, "mx.example.org") == 0,
		    "a short one without ';' and no id is not");
		free(big);
	}

	hdr_field_init(&f, "Authentication-Results", "\r\n");
	hdr_field_add(&f, "", "mx.example.org");
	hdr_field_add(&f, ";", "smime=pass");
	hdr_field_add(&f, "", "body.smime-identifier=alice@example.com");
	hdr_field_add(&f, "", "body.smime-part=1");
	hdr_field_add(&f, "", "body.smime-serial=1A2B3C4D5E6F");
	hdr_field_add(&f, "", "body.smime-issuer=\"CN=Example CA,O=Example\"");
	hdr_field_end(&f);
	tap_ok(strncmp(f.b.p, "Authentication-Results: mx.example.org; "
	    "smime=pass", 50) == 0, "field starts as written");
	tap_ok(f.b.n >= 2 && strcmp(f.b.p + f.b.n - 2, "\r\n") == 0,
	    "field ends with its line end");
	save = strdup(f.b.p);
	for (line = strtok(save, "\n"); line != NULL;
	    line = strtok(NULL, "\n"))
		if ((int)strlen(line) - 1 > longest)
			longest = (int)strlen(line) - 1;
	tap_ok(longest <= 78, "folded at 78 columns (longest %d)", longest);
	tap_ok(strstr(f.b.p, "smime=pass\r\n\tbody.smime-identifier") != NULL,
	    "folds with CRLF and a tab before an item");
	free(save);
	hdr_field_release(&f);

	quoted("alice@example.com", "alice@example.com");
	quoted("token-1.2", "token-1.2");
	quoted("CN=Example CA,O=Example", "\"CN=Example CA,O=Example\"");
	quoted("a\"b\\c", "\"a\\\"b\\\\c\"");
	quoted("evil\r\nX-Injected: yes", "\"evil??X-Injected: yes\"");
	quoted("caf\xc3\xa9", "\"caf??\"");
	quoted("a@b@c", "\"a@b@c\"");
	quoted("", "\"\"");
	c = hdr_comment("a (b) \\ c\n", 10);
	tap_ok(strcmp(c, "(a \\(b\\) \\\\ c?)") == 0, "comment escaped: %s",
	    c);
	free(c);
	addrs(" Alice <alice@example.com>", 1, "alice@example.com");
	addrs(" alice@example.com", 1, "alice@example.com");
	addrs(" ALICE@Example.COM (Alice)", 1, "alice@example.com");
	addrs(" \"bob@example.com\" <alice@example.com>", 1,
	    "alice@example.com");
	addrs(" \"Bob, <bob@example.com>\" <alice@example.com>", 1,
	    "alice@example.com");
	addrs(" (bob@example.com) alice@example.com", 1, "alice@example.com");
	addrs(" a@example.com, b@example.com", 2, "a@example.com");
	addrs(" friends: a@example.com, b@example.com;", 2, "a@example.com");
	addrs(" Alice\r\n <alice@example.com>", 1, "alice@example.com");
	addrs(" undisclosed-recipients:;", 0, "");
	addrs(" no address here", 0, "");

	/* Encoded-words, Unicode and invisible white space: as the laxest
	 * reader would see it. */
	ar("Authentication-Results: =?utf-8?q?mx.example.org?=; smime=pass\n",
	    1);
	ar("Authentication-Results: =?UTF-8?B?bXguZXhhbXBsZS5vcmc=?=; none\n",
	    1);
	ar("Authentication-Results: =?utf-8?q?mx.example.org=3B_smime=3Dpass?="
	    "\n", 1);
	ar("Authentication-Results: =?utf-8?q?mx.exa?= =?utf-8?q?mple.org?=;"
	    " smime=pass\n", 1);
	ar("Authentication-Results: (=?utf-8?q?x?=) =?iso-8859-1?q?=A0?="
	    "mx.example.org; smime=pass\n", 1);
	ar("Authentication-Results: \xc2\xa0mx.example.org\xe3\x80\x80;"
	    " smime=pass\n", 1);
	ar("Authentication-Results: \xe2\x80\x83mx.example.org\xe2\x80\x8b;"
	    " smime=pass\n", 1);
	ar("Authentication-Results: mx.exa\xe2\x80\x8bmple.org; smime=pass\n",
	    1);
	ar("Authentication-Results: \xef\xbb\xbfmx.example.org; smime=pass\n",
	    1);
	ar("Authentication-Results: \" mx.example.org \"; smime=pass\n", 1);
	ar("Authentication-Results: \"mx.example.org\xc2\xa0\"; smime=pass\n",
	    1);
	ar("Authentication-Results: =?utf-8?q?other.example?=; smime=pass\n",
	    0);
	ar("Authentication-Results: other.example (=?utf-8?q?mx.example.org?="
	    "); smime=pass\n", 0);
	ar("Authentication-Results: =?utf-8?q?mx.example.org.evil?=; none\n",
	    0);
	ar("Authentication-Results: \"mx.example.org x\"; smime=pass\n", 0);

	/* No "=?" survives quoting, whatever the bytes. */
	quoted("=?utf-8?q?=0D=0AX-Injected=3A_yes?=",
	    "\"=\\?utf-8?q?=0D=0AX-Injected=3A_yes?=\"");
	quoted("=?utf-8?q?x?=@example.com", "\"=\\?utf-8?q?x?=@example.com\"");
	quoted("a=\x80utf-8?q?x?=", "\"a=\\?utf-8?q?x?=\"");
	quoted("=\\?", "\"=\\\\?\"");
	c = hdr_comment("x =?utf-8?q?=0D=0A?= y", 22);
	tap_ok(strcmp(c, "(x =\\?utf-8?q?=0D=0A?= y)") == 0,
	    "comment: no encoded-word: %s", c);
	free(c);
	{
		/* A 5,000-octet value: cut, and no line over 998. */
		char *big = malloc(5001), *q;

		memset(big, '"', 5000);
		q = hdr_token_or_quoted(big, 5000);
		tap_ok(strlen(q) <= HDR_VALUE_MAX &&
		    strcmp(q + strlen(q) - 4, "...\"") == 0,
		    "a 5,000-octet value is cut at %d: %zu", HDR_VALUE_MAX,
		    strlen(q));
		hdr_field_init(&f, "Authentication-Results", "\r\n");
		hdr_field_add(&f, "", "mx.example.org");
		hdr_field_add(&f, ";", "smime=pass");
		line = malloc(strlen(q) + 32);
		sprintf(line, "body.smime-issuer=%s", q);
		hdr_field_add(&f, "", line);
		hdr_field_end(&f);
		tap_ok(longest_line(f.b.p) <= 998, "no line over 998: %zu",
		    longest_line(f.b.p));
		hdr_field_release(&f);
		free(line);
		free(q);
		/* One with spaces: folded before them, ideally at 78. */
		for (size_t i = 0; i < 5000; i++)
			big[i] = i % 10 == 9 ? ' ' : 'a';
		q = hdr_comment(big, 5000);
		hdr_field_init(&f, "Authentication-Results", "\n");
		hdr_field_add(&f, "", "mx.example.org");
		hdr_field_add(&f, ";", "smime=policy");
		hdr_field_add(&f, "", q);
		hdr_field_end(&f);
		tap_ok(longest_line(f.b.p) <= 78, "spaces: folded at 78: %zu",
		    longest_line(f.b.p));
		tap_ok(strstr(f.b.p, "aaaaaaaaa\n aaaaaaaaa") != NULL,
		    "folded before a space of the value");
		hdr_field_release(&f);
		free(q);
		free(big);
	}

	/* The From a reader is shown. */
	from(" bob@example.com\r\n", HDR_FROM_ONE, "bob@example.com");
	from(" Bob <BOB@example.com>\n", HDR_FROM_ONE, "bob@example.com");
	from(" \"Bob, Jr.\" <bob@example.com>", HDR_FROM_ONE,
	    "bob@example.com");
	from(" bob@example.com (Bob)", HDR_FROM_ONE, "bob@example.com");
	from(" Bob\r\n <bob@example.com>", HDR_FROM_ONE, "bob@example.com");
	from(" =?utf-8?q?J=C3=B6rg?= <bob@example.com>", HDR_FROM_ONE,
	    "bob@example.com");
	from(" J\xc3\xb6rg <bob@example.com>", HDR_FROM_ONE,
	    "bob@example.com");
	from(" J. Bob <bob@example.com>", HDR_FROM_ONE, "bob@example.com");
	from(" alice@example.com: bob@example.com;", HDR_FROM_AMBIGUOUS, "");
	from(" Friends: bob@example.com;", HDR_FROM_AMBIGUOUS, "");
	from(" alice@example.com <bob@example.com>", HDR_FROM_AMBIGUOUS, "");
	from(" \"alice@example.com\" <bob@example.com>", HDR_FROM_AMBIGUOUS,
	    "");
	from(" (alice@example.com) bob@example.com", HDR_FROM_AMBIGUOUS, "");
	from(" bob@example.com (alice@example.com)", HDR_FROM_AMBIGUOUS, "");
	from(" =?utf-8?q?alice=40example.com?= <bob@example.com>",
	    HDR_FROM_AMBIGUOUS, "");
	from(" =?utf-8?q?=3Calice=40x=3E?= <bob@example.com>",
	    HDR_FROM_AMBIGUOUS, "");
	from(" alice\xef\xbc\xa0" "example.com <bob@example.com>",
	    HDR_FROM_AMBIGUOUS, "");
	from(" <@alice.example.com:bob@example.com>", HDR_FROM_AMBIGUOUS, "");
	from(" <bob(x)@example.com>", HDR_FROM_AMBIGUOUS, "");
	from(" \"alice@example.com\"@example.com", HDR_FROM_AMBIGUOUS, "");
	from(" \"bob\"@example.com", HDR_FROM_AMBIGUOUS, "");
	from(" bob @ example.com", HDR_FROM_AMBIGUOUS, "");
	from(" bob@example.com.", HDR_FROM_AMBIGUOUS, "");
	from(" bob@[127.0.0.1]", HDR_FROM_AMBIGUOUS, "");
	from(" Bob <bob@example.com", HDR_FROM_AMBIGUOUS, "");
	from(" <bob@example.com> alice@example.com", HDR_FROM_AMBIGUOUS, "");
	from(" A <alice@example.com> <bob@example.com>", HDR_FROM_AMBIGUOUS,
	    "");
	from(" alice\\@example.com <bob@example.com>", HDR_FROM_AMBIGUOUS, "");
	from(" Bob\x01 <bob@example.com>", HDR_FROM_AMBIGUOUS, "");
	from(" Bob\r <bob@example.com>", HDR_FROM_AMBIGUOUS, "");
	from(" Bob\nX: <bob@example.com>", HDR_FROM_AMBIGUOUS, "");
	from(" =?utf-8?q?x?=@example.com", HDR_FROM_AMBIGUOUS, "");
	from(" Bob (unclosed <bob@example.com>", HDR_FROM_AMBIGUOUS, "");
	from(" bob@example.com, alice@example.com", HDR_FROM_SEVERAL, "");
	from(" bob@example.com,", HDR_FROM_AMBIGUOUS, "");
	from(" ", HDR_FROM_NONE, "");
	from(" (nobody)\n", HDR_FROM_NONE, "");
	{
		/* A NUL inside: the reader of a C string sees less. */
		static const char nul[] = " alice@example.com\0 <bob@example.com>";
		char out[320];

		tap_ok(hdr_from(nul, sizeof(nul) - 1, out, sizeof(out)) ==
		    HDR_FROM_AMBIGUOUS, "From with a NUL: ambiguous");
	}
	return tap_done();
}
