/*
 * store: see store.h.
 */
#include <string.h>

#include "opts.h"
#include "store.h"

static const char *const verbs[] = {
	"init", "add", "get", "list", "remove", "expire", "identity",
	"trust", "crl", "fsck", "export", NULL
};

enum err_class
store_main(const char *verb, const char **args)
{
	size_t i;

	(void)args;
	if (verb == NULL)
		xdie(ERR_USAGE, "no verb given (see --help)");
	for (i = 0; verbs[i] != NULL; i++)
		if (strcmp(verb, verbs[i]) == 0)
			xdie(ERR_SOFTWARE, "certstore %s is not implemented yet",
			    verb);
	xdie(ERR_USAGE, "unknown verb '%s' (see --help)", verb);
}
