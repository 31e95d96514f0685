/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * verify_fuzz: the whole smime-verify filter path (MIME parsing, base64,
 * the BER split, OpenSSL's CMS, the policy, the result header), under
 * the chain policy with the test PKI's root as the only anchor.
 */
#include "tool_fuzz.h"
#include "verify.h"

#ifndef PKI_DIR
#define PKI_DIR "testdata/pki"
#endif

static const char *anchors[] = { PKI_DIR "/root-ca.pem", NULL };

static void
setup(struct opts *o)
{
	o->ca = anchors;
	o->no_system_ca = 1;
	o->authserv_id = "fuzz.example";
	o->store = "/nonexistent/smimetools-fuzz";
}

/* As smime-verify's main: the context first, then the run. */
static enum err_class
verify(const struct opts *o)
{
	/* Static: a run that dies leaves it to the next (no leak check). */
	static struct verify_ctx c;
	enum err_class rc;

	verify_ctx_load(&c, o);
	rc = verify_run(&c);
	verify_ctx_free(&c);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_tool(data, size, verify, setup);
	return 0;
}
