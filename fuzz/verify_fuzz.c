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
setup(void)
{
	opt.ca = anchors;
	opt.no_system_ca = 1;
	opt.authserv_id = "fuzz.example";
	opt.store = "/nonexistent/smimetools-fuzz";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_tool(data, size, verify_main, setup);
	return 0;
}
