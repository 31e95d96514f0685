/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * smime-encrypt: encrypts the message on stdin to its recipients with
 * S/MIME.  See smime-encrypt(1); the transform is encrypt.c.
 */
#include "opts.h"
#include "encrypt.h"

static struct poptOption table[] = {
	OPTS_INCLUDE(opts_identity, "Identity (--self):"),
	OPTS_INCLUDE(opts_encrypt, "Encrypting:"),
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
	rc = encrypt_main();
	opts_free(pc);
	return err_code(rc);
}
