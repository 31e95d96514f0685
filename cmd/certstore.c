/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * certstore: manages the certificate store.  See certstore(1) and
 * certstore(5).
 */
#include "opts.h"
#include "store_verbs.h"

static struct poptOption table[] = {
	OPTS_INCLUDE(opts_identity, "Identity (identity add):"),
	OPTS_INCLUDE(opts_token, "Identity on a PKCS#11 token (identity add):"),
	OPTS_INCLUDE(opts_trust, "Trust (add):"),
	OPTS_INCLUDE(opts_store, "Store:"),
	OPTS_INCLUDE(opts_common, "Common options:"),
	POPT_AUTOHELP
	POPT_TABLEEND
};

int
main(int argc, const char **argv)
{
	const struct opts *o;
	poptContext pc;
	enum err_class rc;
	const char *verb;

	pc = opts_parse(argc, argv, table, "VERB [ARG...]", &o);
	/* Two statements: the order in which a call's arguments are
	 * evaluated is unspecified, and poptGetArgs() must come second. */
	verb = poptGetArg(pc);
	rc = store_main(o, verb, poptGetArgs(pc));
	opts_free(pc);
	return err_code(rc);
}
