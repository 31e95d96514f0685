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
	/* Static: reachable when a failure exits (LSan). */
	static struct decrypt_ctx c;
	const struct opts *o;
	poptContext pc;
	enum err_class rc;

	pc = opts_parse(argc, argv, table, "", &o);
	opts_no_args(pc);
	/* What it trusts first: a bad configuration fails before the
	 * input is read, whatever the input. */
	decrypt_ctx_load(&c, o);
	rc = decrypt_run(&c);
	decrypt_ctx_free(&c);
	opts_free(pc);
	return err_code(rc);
}
