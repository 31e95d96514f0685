/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * mime_field: RFC 5322 field names, CFWS, RFC 2045 tokens and
 * Content-Type, RFC 2231 parameters.  See mime.h.
 *
 * Real mail is looser than the grammar: unquoted parameter values often
 * hold tspecials (Outlook's boundary="----=_NextPart..." arrives without
 * quotes too), so an unquoted value runs to white space, ';' or '('.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "mime.h"

#define NAME_MAX_LEN	998	/* RFC 5322 2.1.1: no line is longer */
#define SEGMENTS_MAX	64	/* RFC 2231 continuations we join */

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 2045 5.1: token := 1*<any CHAR except SPACE, CTLs, or tspecials> */
static int
is_token(unsigned char c)
{
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

size_t
mime_field_name(const char *line, size_t len, size_t *value)
{
	size_t i, name = 0;

	for (i = 0; i < len && i < NAME_MAX_LEN; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == ':') {
			if (name == 0)
				return 0;
			*value = i + 1;
			return name;
		}
		if (is_wsp((char)c)) {
			/* obs-optional: WSP between name and colon. */
			if (name == 0)
				return 0;
			continue;
		}
		if (c < 33 || c > 126 || name != i)
			return 0;
		name++;
	}
	return 0;
}

int
mime_field_is(const char *field, size_t len, const char *name)
{
	size_t v, n = mime_field_name(field, len, &v);

	return n == strlen(name) && strncasecmp(field, name, n) == 0;
}

void
mime_skip_cfws(const char *s, size_t len, size_t *pos)
{
	size_t i = *pos;
	int depth;

	while (i < len) {
		if (is_wsp(s[i]) || s[i] == '\r' || s[i] == '\n') {
			i++;
			continue;
		}
		if (s[i] != '(')
			break;
		/* RFC 5322 3.2.2: comments nest; '\' quotes one character. */
		for (depth = 0; i < len; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '(')
				depth++;
			else if (s[i] == ')' && --depth == 0) {
				i++;
				break;
			}
		}
	}
	*pos = i < len ? i : len;
}

static void
put(char *out, size_t outsz, size_t *n, char c)
{
	if (outsz > 0 && *n + 1 < outsz)
		out[*n] = c;
	(*n)++;
}

static void
terminate(char *out, size_t outsz, size_t n)
{
	if (outsz > 0)
		out[n < outsz ? n : outsz - 1] = '\0';
}

/* A quoted-string at s[*pos] == '"': unquoted, folds removed. */
static long
lex_quoted(const char *s, size_t len, size_t *pos, char *out, size_t outsz)
{
	size_t i = *pos + 1, n = 0;

	for (; i < len && s[i] != '"'; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;	/* RFC 5322 3.2.4: unfold */
		if (s[i] == '\\' && i + 1 < len)
			i++;
		put(out, outsz, &n, s[i]);
	}
	*pos = i < len ? i + 1 : len;
	terminate(out, outsz, n);
	return (long)n;
}

/* A lenient unquoted value: see the header comment. */
static long
lex_bare(const char *s, size_t len, size_t *pos, char *out, size_t outsz,
    int strict)
{
	size_t i = *pos, n = 0;

	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (strict ? !is_token(c) : (c <= 32 || c == 127 ||
		    c == ';' || c == '(' || c == '"'))
			break;
		put(out, outsz, &n, (char)c);
	}
	*pos = i;
	terminate(out, outsz, n);
	return n > 0 ? (long)n : -1;
}

long
mime_lex_value(const char *s, size_t len, size_t *pos, char *out,
    size_t outsz, int quoted)
{
	if (*pos < len && s[*pos] == '"' && quoted)
		return lex_quoted(s, len, pos, out, outsz);
	return lex_bare(s, len, pos, out, outsz, !quoted);
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

int
mime_ct_parse(const char *s, size_t len, char *type, size_t typesz,
    char *subtype, size_t subsz)
{
	size_t pos = 0;
	long n;

	mime_skip_cfws(s, len, &pos);
	n = mime_lex_value(s, len, &pos, type, typesz, 0);
	if (n <= 0 || (size_t)n >= typesz)
		return -1;
	mime_skip_cfws(s, len, &pos);
	if (pos >= len || s[pos] != '/')
		return -1;
	pos++;
	mime_skip_cfws(s, len, &pos);
	n = mime_lex_value(s, len, &pos, subtype, subsz, 0);
	if (n <= 0 || (size_t)n >= subsz)
		return -1;
	lower(type);
	lower(subtype);
	return 0;
}

/*
 * One parameter: the attribute at [*a, *a + *alen), the value at
 * [*v, *vend).  Returns 0 at the end of the list.
 */
static int
next_param(const char *s, size_t len, size_t *pos, size_t *a, size_t *alen,
    size_t *v, size_t *vend)
{
	size_t i = *pos;

	for (;;) {
		/* Skip to the next ';' (past type/subtype or junk). */
		while (i < len && s[i] != ';') {
			if (s[i] == '"') {
				lex_quoted(s, len, &i, NULL, 0);
				continue;
			}
			if (s[i] == '(') {
				mime_skip_cfws(s, len, &i);
				continue;
			}
			i++;
		}
		if (i >= len)
			return 0;
		i++;
		mime_skip_cfws(s, len, &i);
		*a = i;
		while (i < len && is_token((unsigned char)s[i]))
			i++;
		*alen = i - *a;
		mime_skip_cfws(s, len, &i);
		if (*alen == 0 || i >= len || s[i] != '=')
			continue;
		i++;
		mime_skip_cfws(s, len, &i);
		*v = i;
		if (i < len && s[i] == '"')
			lex_quoted(s, len, &i, NULL, 0);
		else
			lex_bare(s, len, &i, NULL, 0, 0);
		*vend = i;
		*pos = i;
		return 1;
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Appends a value: a quoted-string unquoted, or an RFC 2231 extended value
 * %-decoded (ext), after its charset'lang' prefix when skip is set.
 */
static void
append_value(const char *s, size_t v, size_t vend, int ext, int skip,
    char *out, size_t outsz, size_t *n)
{
	size_t i;
	int quotes = 0;

	if (v < vend && s[v] == '"') {
		for (i = v + 1; i < vend && s[i] != '"'; i++) {
			if (s[i] == '\r' || s[i] == '\n')
				continue;
			if (s[i] == '\\' && i + 1 < vend)
				i++;
			put(out, outsz, n, s[i]);
		}
		return;
	}
	for (i = v; i < vend; i++) {
		if (skip && quotes < 2) {
			if (s[i] == '\'')
				quotes++;
			continue;
		}
		if (ext && s[i] == '%' && i + 2 < vend &&
		    hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			put(out, outsz, n,
			    (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
			i += 2;
			continue;
		}
		put(out, outsz, n, s[i]);
	}
}

/* Does attribute [a, a + alen) name `name`, with suffix "", "*", "*N" or
 * "*N*"?  Returns the kind: 0 no, 1 plain, 2 extended, 3 segment. */
static int
attr_match(const char *s, size_t a, size_t alen, const char *name,
    unsigned *seg, int *ext)
{
	size_t nl = strlen(name), i;
	unsigned k = 0;

	if (alen < nl || strncasecmp(s + a, name, nl) != 0)
		return 0;
	if (alen == nl)
		return 1;
	if (s[a + nl] != '*')
		return 0;
	if (alen == nl + 1) {
		*ext = 1;
		return 2;
	}
	for (i = a + nl + 1; i < a + alen && isdigit((unsigned char)s[i]);
	    i++) {
		if (k > SEGMENTS_MAX)
			return 0;
		k = k * 10 + (unsigned)(s[i] - '0');
	}
	/* No leading zeros (RFC 2231 3: "*0", "*1", ...). */
	if (i == a + nl + 1 || (s[a + nl + 1] == '0' && i > a + nl + 2))
		return 0;
	*ext = 0;
	if (i == a + alen - 1 && s[i] == '*')
		*ext = 1;
	else if (i != a + alen)
		return 0;
	*seg = k;
	return 3;
}

struct pval {
	size_t v, vend;
	int ext, seen;
};

long
mime_param(const char *s, size_t len, const char *name, char *out,
    size_t outsz)
{
	struct pval seg[SEGMENTS_MAX] = { 0 }, plain = { 0 }, ext1 = { 0 };
	size_t pos = 0, a, alen, v, vend, n = 0;
	unsigned k, nseg = 0;
	int ext, kind;

	/* One pass: the first of each kind wins, as with duplicates. */
	while (next_param(s, len, &pos, &a, &alen, &v, &vend)) {
		kind = attr_match(s, a, alen, name, &k, &ext);
		if (kind == 1 && !plain.seen)
			plain = (struct pval){ v, vend, 0, 1 };
		else if (kind == 2 && !ext1.seen)
			ext1 = (struct pval){ v, vend, 1, 1 };
		else if (kind == 3 && k < SEGMENTS_MAX && !seg[k].seen) {
			seg[k] = (struct pval){ v, vend, ext, 1 };
			if (k + 1 > nseg)
				nseg = k + 1;
		}
	}
	if (ext1.seen)		/* RFC 2231 4: name*=charset'lang'value */
		append_value(s, ext1.v, ext1.vend, 1, 1, out, outsz, &n);
	else if (seg[0].seen) {
		/* RFC 2231 3: name*0, name*1, ... in order up to the first
		 * gap; only an extended first segment has charset'lang'. */
		for (k = 0; k < nseg && seg[k].seen; k++)
			append_value(s, seg[k].v, seg[k].vend, seg[k].ext,
			    seg[k].ext && k == 0, out, outsz, &n);
	} else if (plain.seen)
		append_value(s, plain.v, plain.vend, 0, 0, out, outsz, &n);
	else
		return -1;
	terminate(out, outsz, n);
	return (long)n;
}

/*
 * How many times parameter `name` is given: each plain "name=", each
 * extended "name*=" and each first segment "name*0" or "name*0*" counts
 * once, and a later segment given twice counts once more.  More than one
 * is a value readers pick differently: the first, the last, the RFC 2231
 * form before or after the plain one.
 */
int
mime_param_count(const char *s, size_t len, const char *name)
{
	unsigned char seen[SEGMENTS_MAX] = { 0 };
	size_t pos = 0, a, alen, v, vend;
	unsigned k;
	int ext, kind, count = 0;

	while (next_param(s, len, &pos, &a, &alen, &v, &vend)) {
		kind = attr_match(s, a, alen, name, &k, &ext);
		if (kind == 1 || kind == 2)
			count++;
		else if (kind == 3 && k < SEGMENTS_MAX) {
			if (k == 0 || seen[k])
				count++;
			seen[k] = 1;
		}
	}
	return count;
}

/* White space and folds, not comments. */
static size_t
skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (is_wsp(s[i]) || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/* RFC 2045 5.1's grammar, with folds, without comments: see mime.h. */
int
mime_params_strict(const char *s, size_t len)
{
	size_t i;

	i = skip_ws(s, len, 0);
	while (i < len && is_token((unsigned char)s[i]))
		i++;
	i = skip_ws(s, len, i);
	if (i >= len || s[i] != '/')
		return -1;
	i++;
	i = skip_ws(s, len, i);
	while (i < len && is_token((unsigned char)s[i]))
		i++;
	for (;;) {
		i = skip_ws(s, len, i);
		if (i >= len)
			return 0;
		if (s[i] != ';')
			return -1;
		i++;
		i = skip_ws(s, len, i);
		if (i >= len)
			return 0;	/* a trailing ';' is common */
		if (!is_token((unsigned char)s[i]))
			return -1;
		while (i < len && is_token((unsigned char)s[i]))
			i++;
		i = skip_ws(s, len, i);
		if (i >= len || s[i] != '=')
			return -1;
		i++;
		i = skip_ws(s, len, i);
		if (i < len && s[i] == '"') {
			/* Readers differ on escapes and folds in quotes. */
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\' || s[i] == '\r' ||
				    s[i] == '\n')
					return -1;
			if (i >= len)
				return -1;
			i++;
		} else {
			if (lex_bare(s, len, &i, NULL, 0, 0) < 0)
				return -1;
		}
	}
}

/*
 * RFC 2046 5.1.1: 1 to 70 characters, no space at the end.  Characters
 * outside bchars that every reader takes alike in a quoted-string (the
 * braces of BouncyCastle's "{GUID}") are allowed; a control character, a
 * non-ASCII byte, a quote or a backslash is not.
 */
int
mime_boundary_ok(const char *b, size_t n)
{
	size_t i;

	if (n < 1 || n > 70 || b[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (b[i] < ' ' || b[i] > '~' || b[i] == '"' || b[i] == '\\')
			return 0;
	return 1;
}

static int
param_is(const struct mime_part *part, const char *name, const char *want)
{
	char v[64];
	long n;

	if (part->ctype == NULL)
		return 0;
	n = mime_param(part->ctype, part->ctypelen, name, v, sizeof(v));
	return n > 0 && (size_t)n < sizeof(v) && strcasecmp(v, want) == 0;
}

/* RFC 8551 3.2.1: a .p7m attachment is S/MIME whatever its type says. */
static int
named_p7m(const struct mime_part *part)
{
	char v[256];
	long n;

	if (part->ctype == NULL)
		return 0;
	n = mime_param(part->ctype, part->ctypelen, "name", v, sizeof(v));
	return n > 4 && (size_t)n < sizeof(v) &&
	    strcasecmp(v + n - 4, ".p7m") == 0;
}

enum mime_smime
mime_smime_kind(const struct mime_part *part)
{
	static const struct {
		const char *value;
		enum mime_smime kind;
	} types[] = {
		{ "signed-data", MIME_SMIME_OPAQUE },
		{ "enveloped-data", MIME_SMIME_ENVELOPED },
		{ "authEnveloped-data", MIME_SMIME_AUTHENVELOPED },
		{ "certs-only", MIME_SMIME_CERTS },
		{ "compressed-data", MIME_SMIME_COMPRESSED },
	};
	size_t i;

	if (mime_type_is(part, "multipart", "signed"))
		return param_is(part, "protocol",
		    "application/pkcs7-signature") || param_is(part,
		    "protocol", "application/x-pkcs7-signature") ?
		    MIME_SMIME_SIGNED : MIME_SMIME_NONE;
	if (mime_type_is(part, "application", "pkcs7-mime") ||
	    mime_type_is(part, "application", "x-pkcs7-mime")) {
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (param_is(part, "smime-type", types[i].value))
				return types[i].kind;
		return MIME_SMIME_P7M;
	}
	if (mime_type_is(part, "application", "octet-stream") &&
	    named_p7m(part))
		return MIME_SMIME_P7M;
	return MIME_SMIME_NONE;
}

/* Here, not in mime.c: the Content-Type readers of this file ask it,
 * and mime.c builds on this file, not this file on mime.c. */
int
mime_type_is(const struct mime_part *part, const char *type,
    const char *subtype)
{
	return strcmp(part->type, type) == 0 &&
	    (subtype == NULL || strcmp(part->subtype, subtype) == 0);
}
