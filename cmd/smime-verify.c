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
	poptContext pc;
	enum err_class rc;

	pc = opts_parse(argc, argv, table, "");
	opts_no_args(pc);
	rc = verify_main();
	opts_free(pc);
	return err_code(rc);
}
