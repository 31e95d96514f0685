/*
 * certstore_fuzz: certstore add's reading of a file: libmagic's sniffing,
 * then PEM, DER, PKCS#7 bundles or a signed message (OpenSSL's S/MIME
 * reader and CMS verification).  Nothing is written.
 */
#include <setjmp.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	return 0;
}
