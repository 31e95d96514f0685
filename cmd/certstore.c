/*
 * certstore: manages the certificate store.  See certstore(1),
 * certstore(5) and SPEC.md.
 */
#include "opts.h"
#include "store.h"

static struct poptOption table[] = {
	OPTS_INCLUDE(opts_identity, "Identity (identity add):"),
	OPTS_INCLUDE(opts_trust, "Trust (add):"),
	OPTS_INCLUDE(opts_store, "Store:"),
	OPTS_INCLUDE(opts_common, "Common options:"),
	POPT_AUTOHELP
	POPT_TABLEEND
};

int
main(int argc, const char **argv)
{
	poptContext pc;
	enum err_class rc;

	pc = opts_parse(argc, argv, table, "VERB [ARG...]");
	rc = store_main(poptGetArg(pc), poptGetArgs(pc));
	opts_free(pc);
	return err_code(rc);
}
