/*
 * decrypt: see decrypt.h.
 */
#include <string.h>

#include "decrypt.h"
#include "filter.h"
#include "opts.h"

struct decrypt {
	int whole;		/* the message itself is (maybe) encrypted */
	unsigned nested;	/* encrypted entities inside it */
};

static int
drop_field(void *arg, const char *field, size_t len)
{
	(void)arg;
	/* SPEC.md: ours is the only one that leaves. */
	return mime_field_is(field, len, "SMIME-Decrypt");
}

static void
event(void *arg, struct filter *f, const struct mime_event *ev)
{
	struct decrypt *d = arg;

	(void)f;
	if (ev->type != MIME_EV_HEADER_END)
		return;
	switch (mime_smime_kind(ev->part)) {
	case MIME_SMIME_ENVELOPED:
	case MIME_SMIME_AUTHENVELOPED:
	case MIME_SMIME_P7M:
		if (ev->part->depth == 0)
			d->whole = 1;
		else
			d->nested++;
		break;
	default:
		break;
	}
}

static void
finish(void *arg, struct filter *f, struct filter_result *res)
{
	struct decrypt *d = arg;
	const char *why;

	if (d->whole || filter_bare_cms(f))
		xdie(ERR_SOFTWARE, "decrypting S/MIME messages is not "
		    "implemented yet");
	why = d->nested ? "only a nested part is encrypted: not decrypted" :
	    "not encrypted";
	hdr_field_init(&res->field, "SMIME-Decrypt", filter_eol(f));
	hdr_field_add(&res->field, "", opts_authserv_id());
	hdr_field_add(&res->field, ";", "result=none");
	res->comment = hdr_comment(why, strlen(why));
	hdr_field_add(&res->field, "", res->comment);
	hdr_field_end(&res->field);
	res->result = "none";
	res->negative = 1;
}

enum err_class
decrypt_main(void)
{
	static const struct filter_ops ops = {
		"smime-decrypt", drop_field, event, finish
	};
	struct decrypt d = { 0, 0 };

	return filter_main(&ops, &d);
}
