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
	OPTS_INCLUDE(opts_hp, "Header protection (RFC 9788):"),
	OPTS_INCLUDE(opts_common, "Common options:"),
	POPT_AUTOHELP
	POPT_TABLEEND
};

int
main(int argc, const char **argv)
{
	/* Static: reachable when a failure exits (LSan). */
	static struct encrypt_ctx c;
	const struct opts *o;
	poptContext pc;
	enum err_class rc;

	pc = opts_parse(argc, argv, table, "", &o);
	opts_no_args(pc);
	/* What it trusts first: a bad configuration fails before the
	 * input is read, whatever the input. */
	encrypt_ctx_load(&c, o);
	rc = encrypt_run(&c);
	encrypt_ctx_free(&c);
	opts_free(pc);
	return err_code(rc);
}
