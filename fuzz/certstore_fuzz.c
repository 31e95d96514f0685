/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * certstore_fuzz: certstore add's reading of a file: libmagic's sniffing,
 * then PEM, DER, PKCS#7 bundles or a signed message (OpenSSL's S/MIME
 * reader and CMS verification), and the index lines of each certificate
 * (cert.h's address rule).  The same bytes as an address: what addr_norm
 * accepts is one '@' between two non-empty sides, no white space or
 * control byte, lowercase.  Nothing is written.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "err.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_addr(const uint8_t *p, size_t n)
{
	char key[ADDR_MAX + 1];
	const char *at;
	size_t i;

	if (!addr_norm(p, n, key))
		return;
	at = strchr(key, '@');
	if (strlen(key) != n || at == NULL || at == key ||
	    at[1] == '\0' || strchr(at + 1, '@') != NULL)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)key[i] <= 0x20 ||
		    (unsigned char)key[i] >= 0x7f ||
		    (key[i] >= 'A' && key[i] <= 'Z'))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static jmp_buf trap;
	char why[256];

	err_reset();
	if (setjmp(trap) == 0) {
		err_set_trap(&trap);
		(void)store_parse((const char *)data, size, why, sizeof(why));
	}
	err_set_trap(NULL);
	check_addr(data, size);
	return 0;
}
