/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * test-tool: exposes the library to the tests (git's test-tool idea).
 * Built by `make check`, never installed.
 *
 *	test-tool mime-cat	parse stdin, write the events' data back
 *	test-tool mime-tree	parse stdin, print the MIME tree
 *	test-tool mime-events	parse stdin, print every event
 *	test-tool mime-param NAME	print parameter NAME of the field value on stdin
 *	test-tool mime-view	parse stdin, print what a reader shows: one
 *		line per entity, two spaces per depth, type/subtype, and
 *		for a leaf that is no message type its transfer encoding
 *		and the length and FNV-1a 64 of its body with CRLF made LF (testdata/mime-view.py prints the
 *		same for Python's email package and GMime)
 *	test-tool cms-sign KEY CERT [-c CERT]... [-p CERT] [-t TIME]
 *		sign the entity on stdin (CRLF already) as multipart/signed,
 *		carrying each -c certificate, with an
 *		SMIMEEncryptionKeyPreference naming -p and the signingTime
 *		TIME (YYMMDDHHMMSSZ); the MIME part of a message, without
 *		its RFC 5322 header.  What smime-sign never writes: a
 *		signer's preference for somebody else's certificate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "err.h"
#include "io.h"
#include "mime.h"

static const char *const evnames[] = {
	"from", "begin", "field", "field-more", "header-end", "body",
	"preamble", "delim", "close", "epilogue", "end"
};

static struct io_wr out;

static void
cat_cb(void *arg, const struct mime_event *ev)
{
	(void)arg;
	io_wr_write(&out, ev->data, ev->len);
}

static void
tree_cb(void *arg, const struct mime_event *ev)
{
	const int *flags = arg;
	char line[512];
	unsigned i;

	if (ev->type != MIME_EV_HEADER_END)
		return;
	for (i = 0; i < ev->part->depth; i++)
		io_wr_puts(&out, "  ");
	snprintf(line, sizeof(line), "%s %s/%s %s", ev->part->section,
	    ev->part->type, ev->part->subtype, ev->part->cte);
	io_wr_puts(&out, line);
	if (*flags) {
		snprintf(line, sizeof(line), " flags=%#x", ev->part->flags);
		io_wr_puts(&out, line);
	}
	io_wr_puts(&out, "\n");
}

static void
end_flags_cb(void *arg, const struct mime_event *ev)
{
	char line[128];

	(void)arg;
	if (ev->type != MIME_EV_END)
		return;
	snprintf(line, sizeof(line), "end %s flags=%#x\n", ev->part->section,
	    ev->part->flags);
	io_wr_puts(&out, line);
}

static void
events_cb(void *arg, const struct mime_event *ev)
{
	char line[128];

	(void)arg;
	snprintf(line, sizeof(line), "%s @%llu +%zu d%u\n",
	    evnames[ev->type], (unsigned long long)ev->offset, ev->len,
	    ev->part->depth);
	io_wr_puts(&out, line);
}

/* A leaf's body, for mime-view. */
struct view {
	int leaf;
	uint64_t len, hash;
	int cr;		/* a CR held back: is it the start of a CRLF? */
};

static void
view_byte(struct view *w, unsigned char c)
{
	w->len++;
	w->hash = (w->hash ^ c) * 0x100000001b3ULL;
}

static void
view_cb(void *arg, const struct mime_event *ev)
{
	struct view *w = arg;
	const struct mime_part *part = ev->part;
	char line[256];
	size_t i;

	switch (ev->type) {
	case MIME_EV_HEADER_END:
		for (i = 0; i < part->depth; i++)
			io_wr_puts(&out, "  ");
		io_wr_puts(&out, part->type);
		io_wr_puts(&out, "/");
		io_wr_puts(&out, part->subtype);
		w->leaf = !mime_is_multipart(part) &&
		    strcmp(part->type, "message") != 0;
		w->len = 0;
		w->hash = 0xcbf29ce484222325ULL;
		w->cr = 0;
		if (!w->leaf)
			io_wr_puts(&out, "\n");
		break;
	case MIME_EV_BODY:
		for (i = 0; w->leaf && i < ev->len; i++) {
			unsigned char c = (unsigned char)ev->data[i];

			if (w->cr && c != '\n')
				view_byte(w, '\r');
			w->cr = c == '\r';
			if (!w->cr)
				view_byte(w, c);
		}
		break;
	case MIME_EV_END:
		if (!w->leaf)
			break;
		if (w->cr)
			view_byte(w, '\r');
		snprintf(line, sizeof(line), " %s %llu:%016llx\n",
		    part->cte, (unsigned long long)w->len,
		    (unsigned long long)w->hash);
		io_wr_puts(&out, line);
		w->leaf = 0;
		break;
	default:
		break;
	}
}

static void
parse(mime_cb cb, void *arg, size_t chunk)
{
	struct mime_parser *p = mime_parser_new(cb, arg);
	char *buf = xmalloc(chunk);
	size_t n;

	while ((n = io_read(STDIN_FILENO, buf, chunk)) > 0)
		mime_parser_feed(p, buf, n);
	mime_parser_finish(p);
	mime_parser_free(p);
	free(buf);
}

static X509 *
pem_file(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	if (x == NULL)
		xdie_ssl(ERR_NOINPUT, "cannot read '%s'", path);
	return x;
}

/* The attribute as common/cms.c writes its own (RFC 8551 2.5.3): the
 * issuerAndSerialNumber choice, [0] IMPLICIT. */
static void
keypref(CMS_SignerInfo *si, X509 *x)
{
	unsigned char *name = NULL, *serial = NULL, der[1024];
	int nl = i2d_X509_NAME(X509_get_issuer_name(x), &name);
	int sl = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &serial);
	int n = nl + sl, h = 2;

	if (nl <= 0 || sl <= 0 || n > 1000)
		xdie(ERR_SOFTWARE, "cannot encode the key preference");
	der[0] = 0xa0;
	if (n < 128)
		der[1] = (unsigned char)n;
	else if (n < 256) {
		der[1] = 0x81;
		der[h++] = (unsigned char)n;
	} else {
		der[1] = 0x82;
		der[h++] = (unsigned char)(n >> 8);
		der[h++] = (unsigned char)n;
	}
	memcpy(der + h, name, (size_t)nl);
	memcpy(der + h + nl, serial, (size_t)sl);
	if (!CMS_signed_add1_attr_by_txt(si, "1.2.840.113549.1.9.16.2.11",
	    V_ASN1_SEQUENCE, der, h + n))
		xdie_ssl(ERR_SOFTWARE, "cannot add the key preference");
	OPENSSL_free(name);
	OPENSSL_free(serial);
}

static void
signing_time(CMS_SignerInfo *si, const char *when)
{
	ASN1_TIME *t = ASN1_UTCTIME_new();

	if (t == NULL || !ASN1_UTCTIME_set_string(t, when) ||
	    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime,
	    V_ASN1_UTCTIME, t, -1))
		xdie_ssl(ERR_USAGE, "bad time '%s'", when);
	ASN1_UTCTIME_free(t);
}

static int
cms_sign_cmd(int argc, char **argv)
{
	unsigned flags = CMS_PARTIAL | CMS_DETACHED | CMS_BINARY |
	    CMS_STREAM;
	BIO *kb = BIO_new_file(argv[2], "r"), *in, *outb;
	EVP_PKEY *key = kb != NULL ?
	    PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
	X509 *cert = pem_file(argv[3]), *x;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	char *buf = xmalloc(1 << 20);
	size_t n;
	int i;

	BIO_free(kb);
	if (key == NULL)
		xdie_ssl(ERR_NOINPUT, "cannot read '%s'", argv[2]);
	n = io_read(STDIN_FILENO, buf, 1 << 20);
	in = BIO_new_mem_buf(buf, (int)n);
	if ((cms = CMS_sign(NULL, NULL, NULL, NULL, flags)) == NULL ||
	    (si = CMS_add1_signer(cms, cert, key, EVP_sha256(), flags)) ==
	    NULL)
		xdie_ssl(ERR_SOFTWARE, "cannot sign");
	for (i = 4; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-t") == 0) {
			signing_time(si, argv[i + 1]);
			continue;
		}
		x = pem_file(argv[i + 1]);
		if (strcmp(argv[i], "-c") == 0)
			CMS_add1_cert(cms, x);
		else if (strcmp(argv[i], "-p") == 0)
			keypref(si, x);
		else
			xdie(ERR_USAGE, "cms-sign: unknown option '%s'",
			    argv[i]);
		X509_free(x);
	}
	outb = BIO_new_fp(stdout, BIO_NOCLOSE);
	/* Streamed: the digest is taken and the signature made as the
	 * content is written out. */
	if (!SMIME_write_CMS(outb, cms, in, flags))
		xdie_ssl(ERR_SOFTWARE, "cannot write the message");
	BIO_free(outb);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	X509_free(cert);
	EVP_PKEY_free(key);
	free(buf);
	return fflush(stdout) == 0 ? 0 : 74;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	size_t chunk = IO_BUFSIZE;
	int flags = 0;
	char *s, val[4096];
	size_t n;
	long r;

	err_setprog("test-tool");
	if (getenv("TEST_CHUNK") != NULL)
		chunk = (size_t)strtoul(getenv("TEST_CHUNK"), NULL, 10);
	if (chunk == 0)
		chunk = 1;
	io_wr_init(&out, STDOUT_FILENO, IO_EOL_KEEP);
	if (strcmp(cmd, "cms-sign") == 0 && argc >= 4 && argc % 2 == 0)
		return cms_sign_cmd(argc, argv);
	if (strcmp(cmd, "mime-cat") == 0)
		parse(cat_cb, NULL, chunk);
	else if (strcmp(cmd, "mime-tree") == 0) {
		flags = argc > 2 && strcmp(argv[2], "--flags") == 0;
		parse(tree_cb, &flags, chunk);
	} else if (strcmp(cmd, "mime-ends") == 0)
		parse(end_flags_cb, NULL, chunk);
	else if (strcmp(cmd, "mime-events") == 0)
		parse(events_cb, NULL, chunk);
	else if (strcmp(cmd, "mime-view") == 0) {
		struct view w = { 0 };

		parse(view_cb, &w, chunk);
	}
	else if (strcmp(cmd, "mime-param") == 0 && argc == 3) {
		s = xmalloc(1 << 20);
		n = io_read(STDIN_FILENO, s, (1 << 20) - 1);
		r = mime_param(s, n, argv[2], val, sizeof(val));
		if (r < 0)
			io_wr_puts(&out, "(absent)\n");
		else {
			io_wr_write(&out, val, strlen(val));
			io_wr_puts(&out, "\n");
		}
		free(s);
	} else {
		fprintf(stderr, "usage: test-tool mime-cat|mime-tree [--flags]|"
		    "mime-ends|mime-events|mime-view|mime-param NAME|\n"
		    "       cms-sign KEY CERT [-c CERT]... [-p CERT] "
		    "[-t TIME]\n");
		return 64;
	}
	if (io_wr_flush(&out) != 0)
		return 74;
	return 0;
}
