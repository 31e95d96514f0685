/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * keys: see keys.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include "err.h"
#include "io.h"
#include "keys.h"

#define PASS_MAX	1024
#define PASSFILE_MAX	(64 << 10)	/* a file: source, read whole */

/* A key's secrets must not end up in a core file. */
static void
no_core(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

size_t
keys_passphrase(const char *src, char *buf, size_t size)
{
	const char *v;
	char *p;
	size_t len = 0, n;
	int fd, e;

	/* Before the passphrase is in memory, not only the key. */
	no_core();
	if (strncmp(src, "pass:", 5) == 0)
		v = src + 5;
	else if (strncmp(src, "env:", 4) == 0) {
		v = getenv(src + 4);
		if (v == NULL)
			xdie(ERR_PERM, "--passin: $%s is not set", src + 4);
	} else if (strncmp(src, "fd:", 3) == 0) {
		/*
		 * The first line and not a byte more, as OpenSSL's apps read
		 * it: the writer of a pipe may keep it open, and what follows
		 * the line is not ours.
		 */
		fd = atoi(src + 3);
		while (len < size - 1) {
			ssize_t r = read(fd, buf + len, 1);

			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1)
				xdie(ERR_NOINPUT, "--passin: cannot read '%s': %s",
				    src, strerror(errno));
			if (r == 0 || buf[len] == '\n')
				break;
			len++;
		}
		if (len > 0 && buf[len - 1] == '\r')
			len--;
		buf[len] = '\0';
		return len;
	} else if (strncmp(src, "file:", 5) == 0) {
		/* Followed if a link (a secret mounted for a service often
		 * is one); read whole in one buffer, wiped. */
		if ((fd = open(src + 5, O_RDONLY | O_CLOEXEC)) == -1)
			xdie(ERR_NOINPUT, "--passin: cannot open '%s': %s",
			    src + 5, strerror(errno));
		p = io_read_fd(fd, PASSFILE_MAX, &n);
		e = errno;
		close(fd);
		if (p == NULL && e == EFBIG)
			xdie(ERR_PERM, "--passin: '%s' is larger than %d KiB",
			    src, PASSFILE_MAX >> 10);
		if (p == NULL)
			xdie(ERR_NOINPUT, "--passin: cannot read '%s': %s", src,
			    strerror(e));
		/* The first line, as OpenSSL's apps read it. */
		while (len < n && len < size - 1 && p[len] != '\n')
			len++;
		memcpy(buf, p, len);
		if (len > 0 && buf[len - 1] == '\r')
			len--;
		buf[len] = '\0';
		OPENSSL_cleanse(p, n);
		free(p);
		return len;
	} else
		/* Not echoed, not even in part: what is typed here by
		 * mistake is most likely the passphrase itself. */
		xdie(ERR_USAGE, "--passin: not pass:, env:, file: or fd:");
	len = strlen(v);
	if (len >= size)
		xdie(ERR_PERM, "--passin: passphrase too long");
	memcpy(buf, v, len + 1);
	return len;
}

static int
pem_pass(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	size_t n;

	(void)rwflag;
	if (pass == NULL)
		return -1;
	n = strlen(pass);
	if ((int)n > size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

#define SECRET_MAX	(4 << 20)	/* a key or PKCS#12 file */

/* What open_secret() read, wiped by close_secret(). */
static struct {
	char *p;
	size_t n;
} secret;

/*
 * Opens a private key's file: no links followed, not readable by others.
 * It is read whole into memory that close_secret() wipes: OpenSSL's PEM
 * reader on a file BIO reads a byte per system call (2,400 for an RSA
 * key, a millisecond), and what a buffering BIO holds it frees unwiped.
 */
static BIO *
open_secret(const char *path)
{
	struct stat st;
	BIO *b;
	int fd, e;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ELOOP)
			xdie(ERR_PERM, "key '%s' is a symbolic link: refused",
			    path);
		xdie(errno == EACCES ? ERR_PERM : ERR_NOINPUT,
		    "cannot read key '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		xdie(ERR_NOINPUT, "key '%s' is not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		xdie(ERR_PERM, "key '%s' is readable by others: chmod 600 it",
		    path);
	}
	if (st.st_size > SECRET_MAX) {
		close(fd);
		xdie(ERR_DATA, "key '%s' is larger than %d MiB", path,
		    SECRET_MAX >> 20);
	}
	no_core();
	/* One allocation of the size fstat gave, unless the file grows
	 * while it is read. */
	secret.p = io_read_fd(fd, SECRET_MAX, &secret.n);
	e = errno;
	close(fd);
	if (secret.p == NULL && e == EFBIG)
		xdie(ERR_DATA, "key '%s' is larger than %d MiB", path,
		    SECRET_MAX >> 20);
	if (secret.p == NULL)
		xdie(ERR_NOINPUT, "cannot read key '%s': %s", path,
		    strerror(e));
	b = BIO_new_mem_buf(secret.p, (int)secret.n);
	if (b == NULL)
		xdie_ssl(ERR_TEMP, "cannot read key '%s'", path);
	return b;
}

static void
close_secret(BIO *b)
{
	BIO_free(b);
	OPENSSL_cleanse(secret.p, secret.n);
	free(secret.p);
	secret.p = NULL;
	secret.n = 0;
}

static BIO *
open_public(const char *path)
{
	BIO *b = BIO_new_file(path, "rb");

	if (b == NULL) {
		ERR_clear_error();
		xdie(ERR_NOINPUT, "cannot open '%s': %s", path,
		    strerror(errno));
	}
	return b;
}

static X509 *
read_cert(const char *path)
{
	STACK_OF(X509) *sk = keys_load_certs(path);
	X509 *x = sk_X509_shift(sk);

	sk_X509_pop_free(sk, X509_free);
	return x;
}

STACK_OF(X509) *
keys_load_certs(const char *path)
{
	/* The file first: a missing one dies before anything is held. */
	BIO *b = open_public(path);
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *x;

	if (sk == NULL)
		xdie(ERR_TEMP, "out of memory");
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		sk_X509_push(sk, x);
	if (sk_X509_num(sk) == 0) {
		/* Not PEM: one DER certificate. */
		ERR_clear_error();
		BIO_reset(b);
		x = d2i_X509_bio(b, NULL);
		if (x != NULL)
			sk_X509_push(sk, x);
	}
	ERR_clear_error();
	BIO_free(b);
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		xdie(ERR_DATA, "no certificate in '%s'", path);
	}
	return sk;
}

static OSSL_PROVIDER *legacy_prov, *default_prov;

/* The references OSSL_PROVIDER_load() gave us: OPENSSL_cleanup() drops
 * only its own, and valgrind sees the rest as definitely lost.  atexit
 * runs this before OpenSSL's own handler, registered earlier. */
static void
unload_providers(void)
{
	if (legacy_prov != NULL)
		OSSL_PROVIDER_unload(legacy_prov);
	if (default_prov != NULL)
		OSSL_PROVIDER_unload(default_prov);
	legacy_prov = default_prov = NULL;
}

/*
 * RC2-40 and 3DES PKCS#12 files, as older tools make them, need OpenSSL
 * 3's legacy provider; loading one provider by name ends the implicit
 * default, so that is loaded too.  Once per process.
 */
static int
load_legacy(void)
{
	if (legacy_prov == NULL && default_prov == NULL)
		atexit(unload_providers);
	if (legacy_prov == NULL)
		legacy_prov = OSSL_PROVIDER_load(NULL, "legacy");
	if (default_prov == NULL)
		default_prov = OSSL_PROVIDER_load(NULL, "default");
	return legacy_prov != NULL && default_prov != NULL;
}

static void
load_p12(struct identity *id, const char *path, const char *pass)
{
	PKCS12 *p12;
	BIO *b = open_secret(path);

	p12 = d2i_PKCS12_bio(b, NULL);
	close_secret(b);
	if (p12 == NULL)
		xdie_ssl(ERR_DATA, "'%s' is not a PKCS#12 file", path);
	if (!PKCS12_verify_mac(p12, pass, -1))
		xdie(ERR_PERM, "cannot read '%s': wrong passphrase%s", path,
		    pass == NULL ? " (none given: --passin)" : "");
	/* The legacy provider only for the files that need it. */
	if (!PKCS12_parse(p12, pass, &id->key, &id->cert, &id->chain)) {
		ERR_clear_error();
		if (!load_legacy() || !PKCS12_parse(p12, pass, &id->key,
		    &id->cert, &id->chain))
			xdie_ssl(ERR_PERM, "cannot read '%s'", path);
	}
	PKCS12_free(p12);
	if (id->key == NULL || id->cert == NULL)
		xdie(ERR_DATA, "'%s' holds no key and certificate", path);
}

void
keys_load_identity(struct identity *id, const char *key, const char *cert,
    const char *p12, const char *passin, enum err_class mismatch)
{
	char pass[PASS_MAX];
	int have = passin != NULL;
	BIO *b;

	memset(id, 0, sizeof(*id));
	if (have)
		keys_passphrase(passin, pass, sizeof(pass));
	if (p12 != NULL)
		load_p12(id, p12, have ? pass : NULL);
	else {
		if (key == NULL || cert == NULL)
			xdie(ERR_USAGE, "-k and -c go together (or -p)");
		b = open_secret(key);
		id->key = PEM_read_bio_PrivateKey(b, NULL, pem_pass,
		    have ? pass : NULL);
		close_secret(b);
		/* With a passphrase, OpenSSL's reason depends on what the
		 * wrong key decrypted to ("bad decrypt", now and then
		 * "unsupported"): say one thing. */
		if (id->key == NULL && have) {
			ERR_clear_error();
			xdie(ERR_PERM, "cannot read key '%s': wrong passphrase, "
			    "or not a PEM private key", key);
		}
		if (id->key == NULL)
			xdie_ssl(ERR_PERM, "cannot read key '%s' (encrypted? "
			    "--passin)", key);
		id->cert = read_cert(cert);
	}
	OPENSSL_cleanse(pass, sizeof(pass));
	if (!X509_check_private_key(id->cert, id->key))
		xdie_ssl(mismatch, "key and certificate do not match");
	if (id->chain == NULL && (id->chain = sk_X509_new_null()) == NULL)
		xdie(ERR_TEMP, "out of memory");
}

void
identity_release(struct identity *id)
{
	void (*release)(void) = id->release;

	EVP_PKEY_free(id->key);
	X509_free(id->cert);
	sk_X509_pop_free(id->chain, X509_free);
	memset(id, 0, sizeof(*id));
	if (release != NULL)
		release();
}

STACK_OF(X509) *
keys_load_certs_all(const char **paths)
{
	STACK_OF(X509) *all = NULL, *more;

	for (; paths != NULL && *paths != NULL; paths++) {
		more = keys_load_certs(*paths);
		if (all == NULL) {
			all = more;
			continue;
		}
		while (sk_X509_num(more) > 0)
			if (!sk_X509_push(all, sk_X509_shift(more)))
				xdie(ERR_TEMP, "out of memory");
		sk_X509_free(more);
	}
	return all;
}
