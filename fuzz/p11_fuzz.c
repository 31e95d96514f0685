/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * p11_fuzz: libFuzzer target for the readers of PKCS#11 URIs (RFC 7512)
 * and of the store's record of a key on a token (keys/<fp>.p11).  The
 * first byte picks the reader.  Beyond not crashing: what is accepted
 * keeps its promises, the strings terminated and within their bounds,
 * an id no longer than its buffer, a record's URI itself a URI and its
 * pin-source a file: or env: source.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p11uri.h"

static void
check_uri(const struct p11uri *u)
{
	if (strlen(u->token) > P11URI_ATTR_MAX ||
	    strlen(u->object) > P11URI_ATTR_MAX ||
	    strlen(u->module_path) > P11URI_ATTR_MAX ||
	    strlen(u->pin_source) > P11URI_ATTR_MAX ||
	    u->id_len > sizeof(u->id) || strlen(u->type) >= sizeof(u->type))
		abort();
	/* It names a token or an object (perhaps by an empty value). */
	if (!(u->present & (P11URI_TOKEN | P11URI_SERIAL | P11URI_OBJECT |
	    P11URI_ID)))
		abort();
	if (((u->present & P11URI_ID) != 0) != (u->id_len > 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p11uri u;
	struct p11rec r;
	const char *why;
	char *s;

	if (size < 1 || size > 65536)
		return 0;
	if (data[0] & 1) {
		if (p11rec_parse((const char *)data + 1, size - 1, &r,
		    &why) == 0) {
			if (p11uri_parse(r.uri, &u, &why) != 0 ||
			    r.module[0] != '/' || (r.pin_source[0] != '\0' &&
			    strncmp(r.pin_source, "file:", 5) != 0 &&
			    strncmp(r.pin_source, "env:", 4) != 0))
				abort();
			check_uri(&u);
		}
		return 0;
	}
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (p11uri_parse(s, &u, &why) == 0)
		check_uri(&u);
	free(s);
	return 0;
}
