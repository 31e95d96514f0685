/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * smime-decrypt: decrypts the S/MIME message on stdin and writes an
 * SMIME-Decrypt header field.  See smime-decrypt(1); the transform is
 * decrypt.c.
 */
#include "opts.h"
#include "decrypt.h"

static struct poptOption table[] = {
	OPTS_INCLUDE(opts_identity, "Keys:"),
	OPTS_INCLUDE(opts_decrypt, "Decrypting:"),
	OPTS_INCLUDE(opts_common, "Common options:"),
	POPT_AUTOHELP
	POPT_TABLEEND
};

int
main(int argc, const char **argv)
{
	poptContext pc;
	enum err_class rc;

	pc = opts_parse(argc, argv, table, "");
	opts_no_args(pc);
	rc = decrypt_main();
	opts_free(pc);
	return err_code(rc);
}
