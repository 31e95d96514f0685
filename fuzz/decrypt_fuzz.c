/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * decrypt_fuzz: the whole smime-decrypt filter path (MIME parsing,
 * base64, the BER split, the algorithm checks, OpenSSL's CMS, the
 * plaintext's header), with alice's test key, so that a RecipientInfo
 * can match and the decryption itself is reached.
 */
#include "tool_fuzz.h"

static char key[64];

static void
setup(struct opts *o)
{
	if (*key == '\0')
		tool_private_key(key, sizeof(key), "alice");
	o->key = key;
	o->cert = PKI_DIR "/alice.pem";
	o->authserv_id = "fuzz.example";
	o->allow_legacy = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_tool(data, size, tool_decrypt, setup);
	return 0;
}
