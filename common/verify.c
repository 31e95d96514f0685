/*
 * verify: see verify.h.
 */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "opts.h"
#include "verify.h"

struct verify {
	const char *id;
	unsigned signed_parts;
};

static int
drop_field(void *arg, const char *field, size_t len)
{
	struct verify *v = arg;

	return hdr_is_ar_of(field, len, v->id);
}

static void
event(void *arg, struct filter *f, const struct mime_event *ev)
{
	struct verify *v = arg;

	(void)f;
	if (ev->type != MIME_EV_HEADER_END)
		return;
	switch (mime_smime_kind(ev->part)) {
	case MIME_SMIME_SIGNED:
	case MIME_SMIME_OPAQUE:
	case MIME_SMIME_P7M:
		v->signed_parts++;
		break;
	default:
		break;
	}
}

static void
finish(void *arg, struct filter *f, struct filter_result *res)
{
	struct verify *v = arg;

	if (v->signed_parts > 0 || filter_bare_cms(f))
		xdie(ERR_SOFTWARE, "verifying S/MIME signatures is not "
		    "implemented yet");
	/* RFC 7281 3: none, no signature to check. */
	hdr_field_init(&res->field, "Authentication-Results", filter_eol(f));
	hdr_field_add(&res->field, "", v->id);
	hdr_field_add(&res->field, ";", "smime=none");
	hdr_field_end(&res->field);
	res->result = "none";
	res->negative = 1;
	res->no_output = opt.quiet;
}

enum err_class
verify_main(void)
{
	static const struct filter_ops ops = {
		"smime-verify", drop_field, event, finish
	};
	struct verify v = { opts_authserv_id(), 0 };

	return filter_main(&ops, &v);
}
