/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * smime-verify: checks the S/MIME signature of the message on stdin and
 * writes an Authentication-Results header field (RFC 8601, RFC 7281).
 * See smime-verify(1); the transform is verify.c.
 */
#include "opts.h"
#include "verify.h"

static struct poptOption table[] = {
	OPTS_INCLUDE(opts_trust, "Trust:"),
	OPTS_INCLUDE(opts_verify, "Verifying:"),
	OPTS_INCLUDE(opts_common, "Common options:"),
	POPT_AUTOHELP
	POPT_TABLEEND
};

int
main(int argc, const char **argv)
{
	/* Static: reachable when a failure exits (LSan). */
	static struct verify_ctx c;
	const struct opts *o;
	poptContext pc;
	enum err_class rc;

	pc = opts_parse(argc, argv, table, "", &o);
	opts_no_args(pc);
	/* What it trusts first: a bad configuration fails before the
	 * input is read, whatever the input. */
	verify_ctx_load(&c, o);
	rc = verify_run(&c);
	verify_ctx_free(&c);
	opts_free(pc);
	return err_code(rc);
}
