/*
 * encrypt: see encrypt.h.
 */
#include <strings.h>

#include "encrypt.h"
#include "filter.h"
#include "opts.h"

struct encrypt {
	int marked_no;
};

/* "SMIME-Encrypt: no", in any case, with comments and folds. */
static int
says_no(const char *field, size_t len)
{
	char word[8];
	size_t v, pos = 0;
	long n;

	mime_field_name(field, len, &v);
	mime_skip_cfws(field + v, len - v, &pos);
	n = mime_lex_value(field + v, len - v, &pos, word, sizeof(word), 1);
	return n == 2 && strcasecmp(word, "no") == 0;
}

static int
drop_field(void *arg, const char *field, size_t len)
{
	struct encrypt *e = arg;

	if (!mime_field_is(field, len, "SMIME-Encrypt"))
		return 0;
	if (says_no(field, len))
		e->marked_no = 1;
	return 1;
}

static void
finish(void *arg, struct filter *f, struct filter_result *res)
{
	struct encrypt *e = arg;

	(void)f;
	if (!opt.no_encrypt && !e->marked_no)
		xdie(ERR_SOFTWARE, "encrypting is not implemented yet; "
		    "--no-encrypt passes the message through");
	verbosex("not encrypted: %s", opt.no_encrypt ? "--no-encrypt" :
	    "marked SMIME-Encrypt: no");
	res->result = "none";
}

enum err_class
encrypt_main(void)
{
	static const struct filter_ops ops = {
		"smime-encrypt", drop_field, NULL, finish
	};
	struct encrypt e = { 0 };

	return filter_main(&ops, &e);
}
