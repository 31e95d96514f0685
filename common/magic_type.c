/*
 * magic_type: see magic_type.h.  (Not magic.h: that is libmagic's.)
 */
#include <stdio.h>
#include <string.h>

#include <magic.h>

#include "err.h"
#include "magic_type.h"

void
magic_mime(const void *buf, size_t len, char *out, size_t outsz)
{
	magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING |
	    MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
	const char *t = NULL;

	if (m != NULL && magic_load(m, NULL) == 0)
		t = magic_buffer(m, buf, len);
	/* A type is a token; anything odd from the database is not used. */
	if (t == NULL || strlen(t) >= outsz || strpbrk(t, "\r\n\"") != NULL)
		t = "application/octet-stream";
	snprintf(out, outsz, "%s", t);
	/* libmagic says charset=binary of what is not text: no charset. */
	if ((t = strstr(out, "; charset=binary")) != NULL)
		out[t - out] = '\0';
	if (m != NULL)
		magic_close(m);
}
