/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * verify_fuzz: the whole smime-verify filter path (MIME parsing, base64,
 * the BER split, OpenSSL's CMS and our EdDSA checks, the policy, the
 * result header), under the chain policy with the test PKI's root as the
 * only anchor.  The sub CA comes as --certfile, as 0085 gives it: a
 * signature that does not carry it (testdata/eddsa/ed448-rsa-opaque.eml,
 * a seed) still reaches the chain, and a signer's certificate is looked
 * for among --certfile's too.
 */
#include "tool_fuzz.h"

static const char *anchors[] = { PKI_DIR "/root-ca.pem", NULL };
static const char *certfiles[] = { PKI_DIR "/sub-ca.pem", NULL };

static void
setup(struct opts *o)
{
	o->ca = anchors;
	o->certfile = certfiles;
	o->no_system_ca = 1;
	o->authserv_id = "fuzz.example";
	o->store = "/nonexistent/smimetools-fuzz";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_tool(data, size, tool_verify, setup);
	return 0;
}
