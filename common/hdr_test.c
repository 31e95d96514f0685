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
	tap_ok(strncmp(f.buf, "Authentication-Results: mx.example.org; "
	    "smime=pass", 50) == 0, "field starts as written");
	tap_ok(f.len >= 2 && strcmp(f.buf + f.len - 2, "\r\n") == 0,
	    "field ends with its line end");
	save = strdup(f.buf);
	for (line = strtok(save, "\n"); line != NULL;
	    line = strtok(NULL, "\n"))
		if ((int)strlen(line) - 1 > longest)
			longest = (int)strlen(line) - 1;
	tap_ok(longest <= 78, "folded at 78 columns (longest %d)", longest);
	tap_ok(strstr(f.buf, "smime=pass\r\n\tbody.smime-identifier") != NULL,
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
	return tap_done();
}
