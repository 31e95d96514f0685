/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * smime-sign: signs the message on stdin with S/MIME (RFC 8551).  See
 * smime-sign(1); the transform is sign.c.
 */
#include "opts.h"
#include "sign.h"

static struct poptOption table[] = {
	OPTS_INCLUDE(opts_identity, "Identity:"),
	OPTS_INCLUDE(opts_sign, "Signing:"),
	OPTS_INCLUDE(opts_hp, "Header protection (RFC 9788):"),
	OPTS_INCLUDE(opts_common, "Common options:"),
	POPT_AUTOHELP
	POPT_TABLEEND
};

int
main(int argc, const char **argv)
{
	/* Static: reachable when a failure exits (LSan). */
	static struct sign_ctx c;
	const struct opts *o;
	poptContext pc;
	enum err_class rc;

	pc = opts_parse(argc, argv, table, "", &o);
	opts_no_args(pc);
	/* What it trusts first: a bad configuration fails before the
	 * input is read, whatever the input. */
	sign_ctx_load(&c, o);
	rc = sign_run(&c);
	sign_ctx_free(&c);
	opts_free(pc);
	return err_code(rc);
}
