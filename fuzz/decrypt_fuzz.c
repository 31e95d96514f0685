/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * decrypt_fuzz: the whole smime-decrypt filter path (MIME parsing,
 * base64, the BER split, the algorithm checks, OpenSSL's CMS, the
 * plaintext's header) with a key, so that a RecipientInfo can match and
 * the decryption itself is reached: alice's test key (RSA: OpenSSL's
 * path, and ours for ChaCha20-Poly1305), or, when bit 3 of the first
 * byte is set, Dana's X25519 key of the LAMPS examples (RFC 9216), so
 * that our key agreement (kari.c) and content decryption are reached
 * too.  Seeds for her: testdata/x25519/dana-*.eml (each starts with
 * "M", bit 3 set), found with the other *.eml by make fuzz.
 */
#include "tool_fuzz.h"

#define DANA PKI_DIR "/../corpus/lamps-examples-cms/certs-and-keys/lamps-dana"

static char key[64], dana[64];
static int x25519;

static void
setup(struct opts *o)
{
	if (*key == '\0') {
		tool_private_key(key, sizeof(key), "alice");
		tool_private_file(dana, sizeof(dana), "dana",
		    DANA ".decrypt.p8.pem");
	}
	o->key = x25519 ? dana : key;
	o->cert = x25519 ? DANA ".encrypt.crt" : PKI_DIR "/alice.pem";
	o->authserv_id = "fuzz.example";
	o->allow_legacy = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	x25519 = size > 0 && (data[0] & 0x08);
	run_tool(data, size, tool_decrypt, setup);
	return 0;
}
