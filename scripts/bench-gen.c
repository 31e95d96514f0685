/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * bench-gen CA.pem CA.key FIRST COUNT [LDIF BASE-DN TIME]: COUNT
 * certificates, PEM, on stdout: userN@bench.example for N from FIRST,
 * all on one EC key, signed by the CA (scripts/bench-store and
 * scripts/bench-ldap; openssl x509 in a loop would take an hour for
 * 100,000).  With LDIF, the same certificates are also written there as
 * the entries the store's LDAP backend adds for them under BASE-DN
 * (what `certstore add` writes: first-seen TIME, source "certstore
 * add"), for slapadd.  With $BENCH_GEN_KEY, the certificates' private
 * key is written to that file, PEM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static void
ext(X509 *x, X509 *ca, int nid, const char *v)
{
	X509V3_CTX c;
	X509_EXTENSION *e;

	X509V3_set_ctx(&c, ca, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &c, nid, v);
	if (e == NULL || !X509_add_ext(x, e, -1))
		exit(1);
	X509_EXTENSION_free(e);
}

/* One entry as the LDAP backend's add makes it (store_ldap.c,
 * stage_add): the certificate can encrypt and is no CA, so no flags. */
static int
ldif(FILE *f, X509 *x, const char *addr, const char *base, const char *t)
{
	unsigned char *der = NULL, md[32], *b64;
	char fp[65], na[32];
	struct tm tm;
	int n, i;

	if ((n = i2d_X509(x, &der)) <= 0 || !EVP_Digest(der, (size_t)n, md,
	    NULL, EVP_sha256(), NULL) ||
	    !ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm))
		return 0;
	for (i = 0; i < 32; i++)
		snprintf(fp + 2 * i, 3, "%02x", md[i]);
	strftime(na, sizeof(na), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((b64 = malloc(4 * ((size_t)n + 2) / 3 + 1)) == NULL)
		return 0;
	EVP_EncodeBlock(b64, der, n);
	fprintf(f, "dn: smimeFingerprint=%s,%s\n"
	    "objectClass: top\nobjectClass: inetOrgPerson\n"
	    "objectClass: smimetoolsCertificate\n"
	    "smimeFingerprint: %s\nsn: %s\nmail: %s\ncn: %s\n"
	    "userCertificate;binary:: %s\nsmimeNotAfter: %s\n"
	    "smimeFirstSeen: %s\nsmimeSource: certstore add\n\n",
	    fp, base, fp, fp, addr, addr, b64, na, t);
	free(b64);
	OPENSSL_free(der);
	return 1;
}

int
main(int argc, char **argv)
{
	FILE *f, *lf = NULL;
	X509 *ca, *x;
	EVP_PKEY *cakey, *key;
	long first, count, i;
	char san[80], cn[32];
	X509_NAME *n;

	if (argc != 5 && argc != 8)
		return 2;
	f = fopen(argv[1], "r");
	ca = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	f = fopen(argv[2], "r");
	cakey = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	key = EVP_EC_gen("P-256");
	if (ca == NULL || cakey == NULL || key == NULL)
		return 1;
	if (argc == 8 && (lf = fopen(argv[5], "w")) == NULL)
		return 1;
	if (getenv("BENCH_GEN_KEY") != NULL &&
	    ((f = fopen(getenv("BENCH_GEN_KEY"), "w")) == NULL ||
	    !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) ||
	    fclose(f) != 0))
		return 1;
	first = atol(argv[3]);
	count = atol(argv[4]);
	for (i = first; i < first + count; i++) {
		x = X509_new();
		X509_set_version(x, 2);
		ASN1_INTEGER_set(X509_get_serialNumber(x), i);
		X509_gmtime_adj(X509_getm_notBefore(x), -86400);
		X509_gmtime_adj(X509_getm_notAfter(x), 86400L * (3650 + i % 100));
		n = X509_NAME_new();
		snprintf(cn, sizeof(cn), "user %ld", i);
		X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
		    (unsigned char *)cn, -1, -1, 0);
		X509_set_subject_name(x, n);
		X509_NAME_free(n);
		X509_set_issuer_name(x, X509_get_subject_name(ca));
		X509_set_pubkey(x, key);
		snprintf(san, sizeof(san), "email:user%ld@bench.example", i);
		ext(x, ca, NID_subject_alt_name, san);
		ext(x, ca, NID_key_usage,
		    "critical,digitalSignature,keyAgreement");
		ext(x, ca, NID_ext_key_usage, "emailProtection");
		if (!X509_sign(x, cakey, EVP_sha256()) || !PEM_write_X509(stdout, x))
			return 1;
		if (lf != NULL && !ldif(lf, x, san + 6, argv[6], argv[7]))
			return 1;
		X509_free(x);
	}
	if (lf != NULL && fclose(lf) != 0)
		return 1;
	return fflush(stdout) != 0;
}
