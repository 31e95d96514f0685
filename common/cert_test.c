/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * cert_test: whose address a certificate carries (cert.h), on
 * certificates built in memory: the subjectAltName first, the subject's
 * emailAddress only without an rfc822Name, and what is an address.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "tap.h"

/* A certificate (unsigned: cert_addrs reads names only) with subject
 * emailAddress dn (or none) and the rfc822Names san[0..nsan), each of
 * the length given (a NUL may be inside). */
static X509 *
mk(const char *dn, const char *const *san, const int *len, int nsan)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *g;
	ASN1_IA5STRING *s;
	int i;

	if (x == NULL || name == NULL || gens == NULL)
		abort();
	X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
	    (const unsigned char *)"test", -1, -1, 0);
	if (dn != NULL)
		X509_NAME_add_entry_by_NID(name, NID_pkcs9_emailAddress,
		    MBSTRING_ASC, (const unsigned char *)dn, -1, -1, 0);
	X509_set_subject_name(x, name);
	for (i = 0; i < nsan; i++) {
		if ((g = GENERAL_NAME_new()) == NULL ||
		    (s = ASN1_IA5STRING_new()) == NULL ||
		    !ASN1_STRING_set(s, san[i], len[i]))
			abort();
		GENERAL_NAME_set0_value(g, GEN_EMAIL, s);
		sk_GENERAL_NAME_push(gens, g);
	}
	if (nsan > 0)
		X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(name);
	return x;
}

/* The addresses of x, joined with spaces. */
static const char *
addrs(X509 *x)
{
	static char out[1024];
	struct addrs a;
	size_t i, n = 0;

	cert_addrs(x, &a);
	out[0] = '\0';
	for (i = 0; i < a.n; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%.*s",
		    i > 0 ? " " : "", (int)a.v[i].n, (const char *)a.v[i].p);
	addrs_free(&a);
	return out;
}

static void
norm(const char *in, size_t n, const char *want)
{
	char out[ADDR_MAX + 1];
	int ok = addr_norm((const unsigned char *)in, n, out);

	tap_ok(want == NULL ? !ok : ok && strcmp(out, want) == 0,
	    "addr_norm '%.*s': %s", (int)n, in, want != NULL ? want : "none");
}

static void
rule(const char *what, X509 *x, const char *want, const char *key,
    int names)
{
	char first[ADDR_MAX + 1];

	tap_ok(strcmp(addrs(x), want) == 0, "%s: addresses '%s' (got '%s')",
	    what, want, addrs(x));
	tap_ok(cert_names(x, key) == names, "%s: %s %s", what,
	    names ? "names" : "does not name", key);
	tap_ok(cert_address(x, key, first, sizeof(first)) ==
	    (*want == '\0' ? -1 : names), "%s: the From check of %s", what,
	    key);
	X509_free(x);
}

int
main(void)
{
	static const char *const one[] = { "attacker@example.net" };
	static const char *const two[] = { "one@example.com",
		"Two@Example.COM" };
	static const char *const twice[] = { "Alice@example.com",
		"alice@EXAMPLE.com" };
	static const char *const nul[] = { "victim@example.com\0.evil" };
	static const char *const disp[] = { "Victim <victim@example.com>" };
	static const char *const ang[] = { "<victim@example.com>" };
	static const int l_one[] = { 20 }, l_two[] = { 15, 15 },
	    l_twice[] = { 17, 17 }, l_nul[] = { 24 }, l_disp[] = { 27 }, l_ang[] = { 20 };
	char big[ADDR_MAX + 2], key[ADDR_MAX + 1], first[64];
	X509 *x;

	norm("alice@example.com", 17, "alice@example.com");
	norm("Alice@Example.COM", 17, "alice@example.com");
	norm("a+b.c_d@x", 9, "a+b.c_d@x");
	norm("", 0, NULL);
	norm("@example.com", 12, NULL);
	norm("alice@", 6, NULL);
	norm("alice.example.com", 17, NULL);
	norm("a@b@example.com", 15, NULL);
	norm("alice @example.com", 18, NULL);
	norm("alice@example.com\0x", 19, NULL);
	norm("alice@example.com\n", 18, NULL);
	norm("alice@example.com\x7f", 18, NULL);
	norm("al\xc3\xaf" "ce@example.com", 18, NULL);
	norm("<alice@example.com>", 19, NULL);
	norm("Alice <alice@example.com>", 25, NULL);
	norm("\"a b\"@example.com", 17, NULL);
	norm("alice@[192.0.2.1]", 17, NULL);
	norm("a,b@example.com", 15, NULL);
	norm("a;b@example.com", 15, NULL);
	norm("a(b)@example.com", 16, NULL);
	norm("a\\b@example.com", 15, NULL);
	memset(big, 'a', sizeof(big));
	big[0] = 'b';
	big[1] = '@';
	tap_ok(addr_norm((unsigned char *)big, ADDR_MAX, key) &&
	    !addr_norm((unsigned char *)big, ADDR_MAX + 1, key),
	    "addr_norm: %d bytes, not %d", ADDR_MAX, ADDR_MAX + 1);

	rule("SAN attacker, subject victim",
	    mk("victim@example.com", one, l_one, 1), "attacker@example.net",
	    "victim@example.com", 0);
	rule("SAN attacker, subject victim",
	    mk("victim@example.com", one, l_one, 1), "attacker@example.net",
	    "attacker@example.net", 1);
	rule("subject only", mk("Victim@Example.com", NULL, NULL, 0),
	    "Victim@Example.com", "victim@example.com", 1);
	rule("two SAN addresses", mk(NULL, two, l_two, 2),
	    "one@example.com Two@Example.COM", "two@example.com", 1);
	rule("one address twice, in two cases", mk(NULL, twice, l_twice, 2),
	    "Alice@example.com", "alice@example.com", 1);
	rule("SAN with a NUL, subject victim",
	    mk("victim@example.com", nul, l_nul, 1), "",
	    "victim@example.com", 0);
	rule("SAN with a display name, subject victim",
	    mk("victim@example.com", disp, l_disp, 1), "",
	    "victim@example.com", 0);
	rule("SAN in angle brackets, subject victim",
	    mk("victim@example.com", ang, l_ang, 1), "",
	    "victim@example.com", 0);
	rule("no address", mk(NULL, NULL, NULL, 0), "", "victim@example.com",
	    0);

	x = mk(NULL, two, l_two, 2);
	tap_ok(cert_address(x, "TWO@example.com", first, sizeof(first)) == 1 &&
	    strcmp(first, "Two@Example.COM") == 0,
	    "cert_address: the certificate's spelling of the match (%s)",
	    first);
	tap_ok(cert_address(x, "three@example.com", first, sizeof(first)) ==
	    0 && strcmp(first, "one@example.com") == 0,
	    "cert_address: no match, its first address (%s)", first);
	tap_ok(cert_address(x, "<one@example.com>", first, sizeof(first)) ==
	    0, "cert_address: a From that is no address matches nothing");
	X509_free(x);
	return tap_done();
}
