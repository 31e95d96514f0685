/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_ldap_test: what the directory backend builds without a server:
 * assertion values escaped for a search filter (RFC 4515 section 3),
 * the URLs `certstore ldap set` takes, the passphrase sources it
 * records.
 */
#include <stdio.h>
#include <string.h>

#include "store_ldap.h"
#include "tap.h"

static void
esc(const char *in, size_t n, const char *want)
{
	struct buf b = { 0 };

	store_ldap_escape(&b, in, n);
	tap_ok(b.p != NULL && strcmp(b.p, want) == 0, "escape '%s': '%s'",
	    want, b.p != NULL ? b.p : "(null)");
	buf_free(&b);
}

static void
url(const char *u, int good)
{
	char why[256];
	const char *r = store_ldap_url_check(u, why, sizeof(why));

	tap_ok((r == NULL) == good, "url '%s' %s%s%s", u,
	    good ? "taken" : "refused", r != NULL ? ": " : "",
	    r != NULL ? r : "");
}

int
main(void)
{
	/* RFC 4515 section 4's examples, and ours. */
	esc("", 0, "");
	esc("alice@example.org", 17, "alice@example.org");
	esc("Parens R Us (for all your parenthetical needs)", 46,
	    "Parens R Us \\28for all your parenthetical needs\\29");
	esc("*", 1, "\\2a");
	esc("C:\\MyFile", 9, "C:\\5cMyFile");
	esc("\0\0\0\4", 4, "\\00\\00\\00\\04");
	esc("x*)(mail=*", 10, "x\\2a\\29\\28mail=\\2a");
	esc("*)(|(objectClass=*", 18,
	    "\\2a\\29\\28|\\28objectClass=\\2a");
	esc("a\nb\x7f\xc3\xa9", 6, "a\\0ab\\7f\\c3\\a9");
	esc("a\0b", 3, "a\\00b");

	url("ldap://127.0.0.1:389/dc=example,dc=org", 1);
	url("ldaps://ldap.example.org/dc=example,dc=org", 1);
	url("ldapi://%2Frun%2Fslapd%2Fldapi/dc=example,dc=org", 1);
	url("ldap://a/dc=x ldap://b:3890/dc=x", 1);
	url("ldap://127.0.0.1:389/", 0);
	url("ldap://127.0.0.1:389", 0);
	url("http://127.0.0.1/dc=x", 0);
	url("ldap://h/dc=x?mail?sub?(mail=*)", 0);
	url("", 0);
	url("   ", 0);

	tap_ok(store_ldap_passin_check("file:/etc/pw") == NULL, "file:/abs");
	tap_ok(store_ldap_passin_check("file:pw") != NULL, "file:relative");
	tap_ok(store_ldap_passin_check("env:LDAP_PW") == NULL, "env:NAME");
	tap_ok(store_ldap_passin_check("env:") != NULL, "env: empty");
	tap_ok(store_ldap_passin_check("fd:3") == NULL, "fd:N");
	tap_ok(store_ldap_passin_check("fd:x") != NULL, "fd:x");
	tap_ok(store_ldap_passin_check("pass:secret") != NULL,
	    "pass: is never recorded");
	tap_ok(store_ldap_passin_check("secret") != NULL, "a bare word");
	return tap_done();
}
