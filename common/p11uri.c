/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * p11uri: see p11uri.h.  RFC 7512 2.3:
 *
 *   pk11-URI   = "pkcs11:" pk11-path [ "?" pk11-query ]
 *   pk11-path  = [ pk11-pattr *(";" pk11-pattr) ]
 *   pk11-query = [ pk11-qattr *("&" pk11-qattr) ]
 *
 * each attribute NAME=VALUE, the value percent-encoded; a path
 * attribute may appear once only.
 */
#include <string.h>
#include <strings.h>

#include "p11uri.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The percent-decoded value p[0..n) into out (room for max bytes); its
 * length, or -1 for a bad escape or a value too long.  text: the value
 * is a string, and a NUL in it is refused (it would cut the name short).
 */
static long
decode(const char *p, size_t n, unsigned char *out, size_t max, int text)
{
	size_t i, k = 0;
	int hi, lo, c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = hexval(p[i + 1])) < 0 ||
			    (lo = hexval(p[i + 2])) < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if ((text && c == '\0') || k >= max)
			return -1;
		out[k++] = (unsigned char)c;
	}
	return (long)k;
}

/* A string attribute into field (P11URI_ATTR_MAX + 1 bytes). */
static int
text_attr(char *field, int *seen, const char *v, size_t n)
{
	long k;

	if (*seen)
		return -1;
	*seen = 1;
	if ((k = decode(v, n, (unsigned char *)field, P11URI_ATTR_MAX,
	    1)) < 0)
		return -1;
	field[k] = '\0';
	return 0;
}

enum { A_TOKEN, A_MANUF, A_SERIAL, A_MODEL, A_OBJECT, A_ID, A_TYPE,
    A_MODPATH, A_PINSRC, A_N };

static const struct {
	const char *name;
	int query;
} attrs[A_N] = {
	[A_TOKEN] = { "token", 0 },
	[A_MANUF] = { "manufacturer", 0 },
	[A_SERIAL] = { "serial", 0 },
	[A_MODEL] = { "model", 0 },
	[A_OBJECT] = { "object", 0 },
	[A_ID] = { "id", 0 },
	[A_TYPE] = { "type", 0 },
	[A_MODPATH] = { "module-path", 1 },
	[A_PINSRC] = { "pin-source", 1 },
};

/* One NAME=VALUE of the path (query 0) or the query (1). */
static int
attr(struct p11uri *u, int *seen, const char *a, size_t n, int query,
    const char **why)
{
	const char *eq = memchr(a, '=', n);
	size_t nl, vl;
	long k;
	int i;

	if (eq == NULL) {
		*why = "attribute without '='";
		return -1;
	}
	nl = (size_t)(eq - a);
	vl = n - nl - 1;
	for (i = 0; i < A_N; i++)
		if (attrs[i].query == query && strlen(attrs[i].name) == nl &&
		    memcmp(attrs[i].name, a, nl) == 0)
			break;
	if (i == A_N) {
		*why = nl == 9 && memcmp(a, "pin-value", 9) == 0 ?
		    "a PIN in the URI (pin-value): give it with --passin" :
		    "an attribute this URI reader does not take";
		return -1;
	}
	*why = "bad or repeated attribute value";
	/* Present, even empty: RFC 7512 6.1, an empty value matches
	 * only an empty attribute. */
	u->present |= 1u << i;
	switch (i) {
	case A_TOKEN:
		return text_attr(u->token, &seen[i], eq + 1, vl);
	case A_MANUF:
		return text_attr(u->manufacturer, &seen[i], eq + 1, vl);
	case A_SERIAL:
		return text_attr(u->serial, &seen[i], eq + 1, vl);
	case A_MODEL:
		return text_attr(u->model, &seen[i], eq + 1, vl);
	case A_OBJECT:
		return text_attr(u->object, &seen[i], eq + 1, vl);
	case A_MODPATH:
		return text_attr(u->module_path, &seen[i], eq + 1, vl);
	case A_PINSRC:
		return text_attr(u->pin_source, &seen[i], eq + 1, vl);
	case A_ID:
		if (seen[i]++ || (k = decode(eq + 1, vl, u->id,
		    sizeof(u->id), 0)) <= 0)
			return -1;
		u->id_len = (size_t)k;
		return 0;
	case A_TYPE:
		if (seen[i]++ || (k = decode(eq + 1, vl,
		    (unsigned char *)u->type, sizeof(u->type) - 1, 1)) < 0)
			return -1;
		u->type[k] = '\0';
		/* RFC 7512 2.3: these five; a key lookup wants private. */
		if (strcmp(u->type, "private") != 0 &&
		    strcmp(u->type, "cert") != 0 &&
		    strcmp(u->type, "public") != 0 &&
		    strcmp(u->type, "secret-key") != 0 &&
		    strcmp(u->type, "data") != 0)
			return -1;
		return 0;
	}
	return -1;
}

int
p11uri_parse(const char *uri, struct p11uri *u, const char **why)
{
	int seen[A_N] = { 0 }, query = 0;
	const char *p, *end;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(uri, "pkcs11:", 7) != 0) {
		*why = "not a pkcs11: URI";
		return -1;
	}
	/* RFC 3986 leaves no raw space, control or 8-bit byte in a URI:
	 * one would end a line of the store's record, or a log's. */
	for (p = uri; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			*why = "a byte that must be percent-encoded";
			return -1;
		}
	p = uri + 7;
	while (*p != '\0') {
		end = p + strcspn(p, query ? "&" : ";?");
		if (end == p && *end != '?' && !(end == uri + 7 && *end == '\0')) {
			*why = "an empty attribute";
			return -1;
		}
		if (end > p && attr(u, seen, p, (size_t)(end - p), query,
		    why) < 0)
			return -1;
		/* In the query, '?' is an ordinary character (RFC 7512
		 * pk11-qres-avail): only the first one starts it. */
		if (*end == '?')
			query = 1;
		p = *end != '\0' ? end + 1 : end;
	}
	if (!(u->present & (P11URI_TOKEN | P11URI_SERIAL | P11URI_OBJECT |
	    P11URI_ID))) {
		*why = "names no token and no object";
		return -1;
	}
	return 0;
}

/* One name=value line of a record into field; 0, or -1 (why set). */
static int
rec_field(char *field, const char *v, size_t n, const char **why)
{
	size_t i;

	if (field[0] != '\0') {
		*why = "a repeated line";
		return -1;
	}
	if (n == 0 || n > P11REC_MAX) {
		*why = "an empty or overlong value";
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			*why = "a control character";
			return -1;
		}
	memcpy(field, v, n);
	field[n] = '\0';
	return 0;
}

int
p11rec_parse(const char *p, size_t n, struct p11rec *r, const char **why)
{
	const char *end = p + n, *nl, *eq;
	struct p11uri u;
	size_t ll;
	int rc;

	memset(r, 0, sizeof(*r));
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			*why = "a line without its newline";
			return -1;
		}
		ll = (size_t)(nl - p);
		if (ll == 0 || p[0] == '#')
			continue;
		if ((eq = memchr(p, '=', ll)) == NULL) {
			*why = "a line that is not name=value";
			return -1;
		}
		ll -= (size_t)(eq - p) + 1;
		if (eq - p == 3 && memcmp(p, "uri", 3) == 0)
			rc = rec_field(r->uri, eq + 1, ll, why);
		else if (eq - p == 6 && memcmp(p, "module", 6) == 0)
			rc = rec_field(r->module, eq + 1, ll, why);
		else if (eq - p == 10 && memcmp(p, "pin-source", 10) == 0)
			rc = rec_field(r->pin_source, eq + 1, ll, why);
		else {
			*why = "an unknown name";
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	if (r->uri[0] == '\0' || r->module[0] != '/') {
		*why = "no uri=, or no module= with an absolute path";
		return -1;
	}
	if (p11uri_parse(r->uri, &u, why) < 0)
		return -1;
	if (r->pin_source[0] != '\0' &&
	    strncmp(r->pin_source, "file:/", 6) != 0 &&
	    strncmp(r->pin_source, "env:", 4) != 0) {
		*why = "a pin-source that is not file:/PATH or env:";
		return -1;
	}
	return 0;
}

const char *
p11uri_pin_file(const struct p11uri *u)
{
	const char *p = u->pin_source;

	if (strncmp(p, "file:", 5) != 0)
		return NULL;
	p += 5;
	/* file:///path (an empty authority) or file:/path. */
	if (strncmp(p, "//", 2) == 0)
		p += 2;
	return p[0] == '/' ? p : NULL;
}
