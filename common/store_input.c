/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_input: what certstore add, trust add and crl add read.  PEM,
 * DER, PKCS#7 bundles and signed messages, told apart by libmagic (text
 * or binary) and then by their content; a signed message's signature
 * is verified, and its signers kept for what add records of them.
 * store_parse is the fuzz target's way in.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "cms.h"
#include "io.h"
#include "magic_type.h"
#include "opts.h"
#include "store_dir.h"
#include "store_int.h"

void
input_release(struct input *in)
{
	sk_X509_pop_free(in->certs, X509_free);
	if (in->verified)
		cms_verified_release(&in->v);
	memset(in, 0, sizeof(*in));
}

static void
push_cert(struct input *in, X509 *x)
{
	if (!sk_X509_push(in->certs, x))
		xdie(ERR_TEMP, "out of memory");
}

/* The certificates of a PKCS#7 SignedData (certs-only, or a signature
 * whose content is elsewhere); 0 if it is not one. */
static int
p7_certs(PKCS7 *p7, struct input *in)
{
	STACK_OF(X509) *sk;
	int i;

	if (p7 == NULL || !PKCS7_type_is_signed(p7) || p7->d.sign == NULL)
		return 0;
	sk = p7->d.sign->cert;
	for (i = 0; i < sk_X509_num(sk); i++) {
		X509_up_ref(sk_X509_value(sk, i));
		push_cert(in, sk_X509_value(sk, i));
	}
	return 1;
}

/* A DER object that must fill the whole buffer. */
#define D2I_WHOLE(type, fn, buf, n)					\
	static type *							\
	fn##_whole(const unsigned char *buf, size_t n)			\
	{								\
		const unsigned char *p = buf;				\
		type *o = fn(NULL, &p, (long)n);			\
									\
		if (o != NULL && p != buf + n) {			\
			type##_free(o);					\
			o = NULL;					\
		}							\
		ERR_clear_error();					\
		return o;						\
	}
D2I_WHOLE(X509, d2i_X509, buf, n)
D2I_WHOLE(X509_CRL, d2i_X509_CRL, buf, n)
D2I_WHOLE(PKCS7, d2i_PKCS7, buf, n)
D2I_WHOLE(PKCS12, d2i_PKCS12, buf, n)

static const char *
parse_der(const unsigned char *buf, size_t n, const char *type,
    struct input *in, char *why, size_t whysz)
{
	const unsigned char *p = buf;
	X509_CRL *crl;
	PKCS12 *p12;
	PKCS7 *p7;
	EVP_PKEY *k;
	X509 *x;

	if ((x = d2i_X509_whole(buf, n)) != NULL) {
		push_cert(in, x);
		return NULL;
	}
	if ((p7 = d2i_PKCS7_whole(buf, n)) != NULL) {
		int ok = p7_certs(p7, in);

		PKCS7_free(p7);
		return ok ? NULL : "a PKCS#7 object that is not SignedData";
	}
	/* Say what it is, so that the user knows which verb it needs. */
	if ((crl = d2i_X509_CRL_whole(buf, n)) != NULL) {
		X509_CRL_free(crl);
		return "a CRL, not a certificate (certstore crl add)";
	}
	if ((p12 = d2i_PKCS12_whole(buf, n)) != NULL) {
		PKCS12_free(p12);
		return "a PKCS#12 file, not a certificate (certstore "
		    "identity add -p)";
	}
	if ((k = d2i_AutoPrivateKey(NULL, &p, (long)n)) != NULL) {
		EVP_PKEY_free(k);
		ERR_clear_error();
		return "a private key, not a certificate";
	}
	ERR_clear_error();
	snprintf(why, whysz, "not a certificate, PKCS#7 bundle or signed "
	    "message (%s)", type);
	return why;
}

static int
pem_is(const char *name, const char *want)
{
	return strcmp(name, want) == 0;
}

static const char *
parse_pem(const char *buf, size_t n, struct input *in, char *why,
    size_t whysz)
{
	BIO *b = BIO_new_mem_buf(buf, (int)n);
	char *name = NULL, *header = NULL, other[64] = "";
	unsigned char *data = NULL;
	const unsigned char *p;
	const char *err = NULL;
	unsigned long e;
	long len;
	X509 *x;
	PKCS7 *p7;

	if (b == NULL)
		xdie(ERR_TEMP, "out of memory");
	ERR_clear_error();
	while (err == NULL) {
		if (!PEM_read_bio(b, &name, &header, &data, &len)) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
			    ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
				err = "truncated or corrupt PEM";
			break;
		}
		p = data;
		if (pem_is(name, "CERTIFICATE") ||
		    pem_is(name, "X509 CERTIFICATE")) {
			if ((x = d2i_X509_whole(data, (size_t)len)) == NULL)
				err = "corrupt certificate in PEM";
			else
				push_cert(in, x);
		} else if (pem_is(name, "TRUSTED CERTIFICATE")) {
			if ((x = d2i_X509_AUX(NULL, &p, len)) == NULL)
				err = "corrupt certificate in PEM";
			else
				push_cert(in, x);
		} else if (pem_is(name, "PKCS7") || pem_is(name, "CMS") ||
		    pem_is(name, "PKCS #7 SIGNED DATA")) {
			p7 = d2i_PKCS7_whole(data, (size_t)len);
			if (!p7_certs(p7, in))
				err = "corrupt or unsigned PKCS#7 in PEM";
			PKCS7_free(p7);
		} else if (*other == '\0')
			snprintf(other, sizeof(other), "%s", name);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	BIO_free(b);
	ERR_clear_error();
	if (err == NULL && sk_X509_num(in->certs) == 0) {
		if (*other != '\0')
			snprintf(why, whysz, "no certificate (it holds a "
			    "PEM %s)", other);
		else
			snprintf(why, whysz, "no certificate in it");
		err = why;
	}
	return err;
}

/* Is buf a message whose top is S/MIME (multipart/signed, pkcs7-mime)? */
static int
smime_message(const char *buf, size_t n)
{
	const char *l = buf, *end = buf + (n < 65536 ? n : 65536), *nl;
	int ct = 0, found = 0;
	char low[256];
	size_t k, i;

	if (n > 5 && memcmp(buf, "From ", 5) == 0 &&
	    (nl = memchr(buf, '\n', (size_t)(end - buf))) != NULL)
		l = nl + 1;
	for (; l < end && !found; l = nl + 1) {
		nl = memchr(l, '\n', (size_t)(end - l));
		if (nl == NULL)
			nl = end;
		k = (size_t)(nl - l);
		if (k == 0 || (k == 1 && *l == '\r'))
			break;		/* the header ends */
		if (*l != ' ' && *l != '\t')
			ct = k > 13 && strncasecmp(l, "Content-Type:", 13) == 0;
		else if (!ct)
			continue;
		if (!ct)
			continue;
		for (i = 0; i < k && i < sizeof(low) - 1; i++)
			low[i] = (char)tolower((unsigned char)l[i]);
		low[i] = '\0';
		found = strstr(low, "multipart/signed") != NULL ||
		    strstr(low, "pkcs7-mime") != NULL;
	}
	return found;
}

static const char *
parse_message(const char *buf, size_t n, const struct limits *lim,
    struct input *in, char *why, size_t whysz)
{
	unsigned char *der = NULL;
	BIO *b, *bcont = NULL;
	PKCS7 *p7;
	const char *nl;
	int len, i;

	/* An mbox "From " line is not a header field for OpenSSL. */
	if (n > 5 && memcmp(buf, "From ", 5) == 0 &&
	    (nl = memchr(buf, '\n', n)) != NULL) {
		n -= (size_t)(nl + 1 - buf);
		buf = nl + 1;
	}
	b = BIO_new_mem_buf(buf, (int)n);
	p7 = b != NULL ? SMIME_read_PKCS7(b, &bcont) : NULL;
	BIO_free(b);
	ERR_clear_error();
	if (p7 == NULL || !PKCS7_type_is_signed(p7) || p7->d.sign == NULL) {
		PKCS7_free(p7);
		BIO_free(bcont);
		return "an S/MIME message that is neither signed nor a "
		    "certificate bundle, or a broken one";
	}
	if (sk_PKCS7_SIGNER_INFO_num(PKCS7_get_signer_info(p7)) <= 0) {
		p7_certs(p7, in);	/* smime-type=certs-only */
		PKCS7_free(p7);
		BIO_free(bcont);
		return NULL;
	}
	len = i2d_PKCS7(p7, &der);
	PKCS7_free(p7);
	if (len <= 0)
		xdie_ssl(ERR_TEMP, "cannot encode a signature");
	/* The signature only: the certificates meet the policy one by one
	 * after this, as those of a bundle do. */
	cms_verify(der, (size_t)len, bcont, bcont != NULL, NULL, 0, lim, NULL,
	    &in->v);
	OPENSSL_free(der);
	BIO_free(bcont);
	in->verified = 1;
	if (in->v.status != CMSV_VALID) {
		snprintf(why, whysz, "the signature is not valid (%s)",
		    in->v.why);
		return why;
	}
	for (i = 0; i < sk_X509_num(in->v.certs); i++) {
		X509_up_ref(sk_X509_value(in->v.certs, i));
		push_cert(in, sk_X509_value(in->v.certs, i));
	}
	for (i = 0; i < in->v.nsigners; i++) {
		X509_up_ref(in->v.signers[i].cert);
		push_cert(in, in->v.signers[i].cert);
	}
	return NULL;
}

/* What buf holds: certificates into in, or why not. */
static const char *
parse_input(const char *buf, size_t n, const struct limits *lim,
    struct input *in, char *why, size_t whysz)
{
	char type[128];
	const char *err;

	memset(in, 0, sizeof(*in));
	if ((in->certs = sk_X509_new_null()) == NULL)
		xdie(ERR_TEMP, "out of memory");
	if (n == 0)
		return "it is empty";
	/* libmagic tells text from binary; the content decides the rest. */
	magic_mime(buf, n < 65536 ? n : 65536, type, sizeof(type));
	if (strncmp(type, "text/", 5) != 0 &&
	    strncmp(type, "message/", 8) != 0)
		err = parse_der((const unsigned char *)buf, n, type, in, why,
		    whysz);
	else if (smime_message(buf, n))
		err = parse_message(buf, n, lim, in, why, whysz);
	else
		err = parse_pem(buf, n, in, why, whysz);
	if (err != NULL) {
		sk_X509_pop_free(in->certs, X509_free);
		in->certs = sk_X509_new_null();
	}
	return err;
}

/* Reads a named input (or stdin for NULL or "-"), at most INPUT_MAX
 * bytes.  Dies 66 if it cannot be opened; NULL if it is too large. */
int
store_parse(const char *buf, size_t n, char *why, size_t whysz)
{
	struct input in;
	struct buf ix = { 0 };
	char fp[FPLEN + 1];
	const char *err;
	int count, i;
	X509 *x;

	*why = '\0';
	err = parse_input(buf, n, &opts_default.lim, &in, why, whysz);
	if (err != NULL && *why == '\0')
		snprintf(why, whysz, "%s", err);
	count = err != NULL ? -1 : sk_X509_num(in.certs);
	/* The index lines add would write: each certificate's addresses
	 * under cert.h's rule, for the fuzz target to reach. */
	for (i = 0; i < count; i++) {
		x = sk_X509_value(in.certs, i);
		cert_fp(x, fp);
		ix_cert_lines(&ix, x, fp, 0);
	}
	buf_free(&ix);
	input_release(&in);
	return count;
}

char *
read_input(const char *path, size_t *n)
{
	int fd = io_in_open(path);
	char *p = io_read_fd(fd, INPUT_MAX, n);

	if (p == NULL && errno != EFBIG)
		xdie(ERR_IO, "cannot read input: %s", strerror(errno));
	if (fd != STDIN_FILENO)
		close(fd);
	if (p == NULL)
		return NULL;
	io_in_eof();
	return p;
}

static const char *
input_name(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0 ? "standard input" :
	    path;
}

static int
cert_ref_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cert_ref *)a)->fp,
	    ((const struct cert_ref *)b)->fp, FPLEN);
}

/* Reads and parses every input; returns the certificates found, one
 * of each, sorted by fingerprint. */
struct cert_ref *
gather(const char **files, const char *in, const struct limits *lim,
    struct input *ins, size_t nin, size_t *count, int *bad)
{
	struct cert_ref *v = NULL;
	size_t i, n = 0, k, uniq = 0;
	const char *err;
	char why[256], *buf;
	size_t len;
	int j;

	for (i = 0; i < nin; i++) {
		const char *f = files != NULL ? files[i] : in;

		buf = read_input(f, &len);
		if (buf == NULL) {
			warnx("'%s': larger than %d MiB: refused",
			    input_name(f), INPUT_MAX >> 20);
			*bad = 1;
			memset(&ins[i], 0, sizeof(ins[i]));
			continue;
		}
		err = parse_input(buf, len, lim, &ins[i], why, sizeof(why));
		free(buf);
		if (err != NULL) {
			warnx("'%s': %s", input_name(f), err);
			*bad = 1;
			continue;
		}
		k = (size_t)sk_X509_num(ins[i].certs);
		v = xrealloc(v, (n + k + 1) * sizeof(*v));
		for (j = 0; j < (int)k; j++) {
			v[n].x = sk_X509_value(ins[i].certs, j);
			cert_fp(v[n].x, v[n].fp);
			n++;
		}
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), cert_ref_cmp);
	for (i = 0; i < n; i++)
		if (uniq == 0 || memcmp(v[uniq - 1].fp, v[i].fp, FPLEN) != 0)
			v[uniq++] = v[i];
	*count = uniq;
	return v;
}

/* What crl add reads: a CRL, DER or PEM. */
X509_CRL *
parse_crl(const char *buf, size_t n)
{
	X509_CRL *c = d2i_X509_CRL_whole((const unsigned char *)buf, n);

	return c != NULL ? c : crl_from_pem(buf, n);
}
