/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * decrypt_fuzz: the whole smime-decrypt filter path (MIME parsing,
 * base64, the BER split, the algorithm checks, OpenSSL's CMS, the
 * plaintext's header), with alice's test key, so that a RecipientInfo
 * can match and the decryption itself is reached.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/stat.h>

#include "decrypt.h"
#include "tool_fuzz.h"

#ifndef PKI_DIR
#define PKI_DIR "testdata/pki"
#endif

static char key[64];

/* The key must be 0600 for keys.c: a private copy. */
static void
copy_key(void)
{
	char buf[8192];
	FILE *in, *out;
	size_t n;
	int fd;

	snprintf(key, sizeof(key), "/tmp/decrypt_fuzz.XXXXXX");
	fd = mkstemp(key);
	in = fopen(PKI_DIR "/alice.key", "r");
	out = fd != -1 ? fdopen(fd, "w") : NULL;
	if (in == NULL || out == NULL)
		abort();
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
}

static void
setup(struct opts *o)
{
	if (*key == '\0')
		copy_key();
	o->key = key;
	o->cert = PKI_DIR "/alice.pem";
	o->authserv_id = "fuzz.example";
	o->allow_legacy = 1;
}

/* As smime-decrypt's main: the context (alice's key) first, then the
 * run. */
static enum err_class
decrypt(const struct opts *o)
{
	/* Static: a run that dies leaves it to the next (no leak check). */
	static struct decrypt_ctx c;
	enum err_class rc;

	decrypt_ctx_load(&c, o);
	rc = decrypt_run(&c);
	decrypt_ctx_free(&c);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_tool(data, size, decrypt, setup);
	return 0;
}
