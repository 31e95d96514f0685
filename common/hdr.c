/*
 * hdr: see hdr.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "hdr.h"
#include "mime.h"

#define FOLD_AT	78	/* RFC 5322 2.1.1: SHOULD be no more than 78 */

/*
 * Is the Authentication-Results field ours?  RFC 8601 2.2: the
 * authserv-id is a token or quoted-string after optional CFWS, then maybe
 * a version.  A reader may be laxer than the grammar, and a forger counts
 * on that, so we look as the laxest would: comments are dropped (one
 * inside a token joins its halves: "mx.example(x).org"), quotes and
 * escapes undone, and the words before the first ';' taken.  Ours if the
 * first word, all of them joined, or all but a trailing version number
 * joined, is our id (case aside, a final dot aside).  A field cut short
 * by the parser (MIME_FIELD_MAX) before its ';' is taken as ours: what
 * hides its id behind 64 KiB of comment is a forgery.
 */
static int
same_id(const char *got, size_t n, const char *id, size_t idlen)
{
	if (n > 1 && got[n - 1] == '.')
		n--;
	return n == idlen && strncasecmp(got, id, n) == 0;
}

/* The next line a reader that also ends lines at a bare CR would see in
 * field, after i: past the next CR not followed by LF; len if none. */
static size_t
cr_line(const char *field, size_t len, size_t i)
{
	for (; i < len; i++)
		if (field[i] == '\r' && (i + 1 == len || field[i + 1] != '\n'))
			return i + 1;
	return len;
}

int
hdr_bare_cr(const char *field, size_t len)
{
	return cr_line(field, len, 0) < len ||
	    (len > 0 && field[len - 1] == '\r');
}

int
hdr_is_control(const char *field, size_t len)
{
	size_t i;

	for (i = 0; i < len; i = cr_line(field, len, i))
		if (mime_field_is(field + i, len - i, "SMIME-Encrypt"))
			return 1;
	return 0;
}

int
hdr_is_ar_of(const char *field, size_t len, const char *id)
{
	char text[512];
	size_t v, i, n = 0, idlen = strlen(id), first = 0, last = 0, lastlen;
	int depth = 0, quoted = 0, words = 0, inword = 0, semi = 0;

	if (!mime_field_is(field, len, "Authentication-Results"))
		return 0;
	if (idlen > 1 && id[idlen - 1] == '.')
		idlen--;
	mime_field_name(field, len, &v);
	for (i = v; i < len && !semi; i++) {
		char c = field[i];

		if (c == '\\' && (quoted || depth > 0) && i + 1 < len) {
			c = field[++i];
			if (depth > 0)
				continue;
		} else if (depth > 0) {
			depth += c == '(' ? 1 : c == ')' ? -1 : 0;
			continue;
		} else if (c == '"') {
			quoted = !quoted;
			continue;
		} else if (!quoted && c == '(') {
			depth = 1;
			continue;
		} else if (!quoted && c == ';') {
			semi = 1;
			continue;
		}
		if (!quoted && (c == ' ' || c == '\t' || c == '\r' ||
		    c == '\n')) {
			inword = 0;
			continue;
		}
		if (!inword) {
			inword = 1;
			if (words++ == 1)
				first = n;	/* the first word ends here */
			last = n;
		}
		if (n < sizeof(text))
			text[n++] = c;
	}
	if (!semi && len >= MIME_FIELD_MAX)
		return 1;
	if (words == 0 || n == sizeof(text))
		return 0;
	if (words == 1)
		first = n;
	/* The first word; all joined; all but a trailing version. */
	if (same_id(text, first, id, idlen) || same_id(text, n, id, idlen))
		return 1;
	lastlen = n - last;
	for (i = last; i < n && isdigit((unsigned char)text[i]); i++)
		;
	return words > 1 && i == n && lastlen > 0 &&
	    same_id(text, last, id, idlen);
}

static void
grow(struct hdr_field *f, size_t more)
{
	if (f->len + more + 1 <= f->cap)
		return;
	while (f->len + more + 1 > f->cap)
		f->cap = f->cap ? f->cap * 2 : 256;
	f->buf = xrealloc(f->buf, f->cap);
}

static void
append(struct hdr_field *f, const char *s)
{
	size_t n = strlen(s);

	grow(f, n);
	memcpy(f->buf + f->len, s, n + 1);
	f->len += n;
	f->col += n;
}

void
hdr_field_init(struct hdr_field *f, const char *name, const char *eol)
{
	memset(f, 0, sizeof(*f));
	f->eol = eol;
	append(f, name);
	append(f, ":");
}

void
hdr_field_add(struct hdr_field *f, const char *sep, const char *item)
{
	append(f, sep);
	if (f->col + 1 + strlen(item) > FOLD_AT && f->col > 0) {
		/* Fold: the line end, then a tab starts the next line. */
		append(f, f->eol);
		f->col = 0;
		append(f, "\t");
	} else
		append(f, " ");
	append(f, item);
}

void
hdr_field_end(struct hdr_field *f)
{
	append(f, f->eol);
}

void
hdr_field_release(struct hdr_field *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

static int
is_atext(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c)
	    != NULL);
}

static int
is_token(unsigned char c)
{
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static char
safe(unsigned char c)
{
	return c >= 32 && c < 127 ? (char)c : '?';
}

char *
hdr_token_or_quoted(const char *s, size_t len)
{
	size_t i, n = 0, at = 0, ats = 0, tok = 1, addr = 1;
	char *out;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		tok &= is_token(c);
		if (c == '@') {
			ats++;
			at = i;
		} else
			addr &= is_atext(c);
	}
	addr &= ats == 1 && at > 0 && at + 1 < len;
	if (len > 0 && (tok || addr)) {
		out = xmalloc(len + 1);
		memcpy(out, s, len);
		out[len] = '\0';
		return out;
	}
	out = xmalloc(2 * len + 3);
	out[n++] = '"';
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			out[n++] = '\\';
		out[n++] = safe((unsigned char)s[i]);
	}
	out[n++] = '"';
	out[n] = '\0';
	return out;
}

char *
hdr_comment(const char *s, size_t len)
{
	char *out = xmalloc(2 * len + 3);
	size_t i, n = 0;

	out[n++] = '(';
	for (i = 0; i < len; i++) {
		if (s[i] == '(' || s[i] == ')' || s[i] == '\\')
			out[n++] = '\\';
		out[n++] = safe((unsigned char)s[i]);
	}
	out[n++] = ')';
	out[n] = '\0';
	return out;
}

/*
 * One mailbox, [start, end) at the top level of a list: the angle-addr
 * if there is one, else the addr-spec with comments and spaces removed.
 */
static void
mailbox(const char *s, size_t start, size_t end, char *out, size_t outsz)
{
	size_t i, n = 0, lt = end, gt = end;
	int quoted = 0, depth = 0;

	for (i = start; i < end; i++) {
		if (s[i] == '\\' && i + 1 < end) {
			i++;
			continue;
		}
		if (s[i] == '"' && depth == 0)
			quoted = !quoted;
		else if (!quoted && s[i] == '(')
			depth++;
		else if (!quoted && s[i] == ')' && depth > 0)
			depth--;
		else if (!quoted && depth == 0 && s[i] == '<' && lt == end)
			lt = i;
		else if (!quoted && depth == 0 && s[i] == '>' && lt != end)
			gt = i;
	}
	if (lt != end && gt != end) {
		start = lt + 1;
		end = gt;
	}
	quoted = depth = 0;
	for (i = start; i < end; i++) {
		if (s[i] == '"' && depth == 0)
			quoted = !quoted;
		if (!quoted && s[i] == '(')
			depth++;
		if (depth > 0) {
			if (s[i] == ')')
				depth--;
			continue;
		}
		if (!quoted && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n' || s[i] == '"'))
			continue;
		if (n + 1 < outsz)
			out[n++] = (char)tolower((unsigned char)s[i]);
	}
	if (outsz > 0)
		out[n < outsz ? n : outsz - 1] = '\0';
}

int
hdr_address_each(const char *s, size_t len,
    void (*fn)(void *arg, const char *addr), void *arg)
{
	char tmp[320];
	size_t i, start = 0;
	int count = 0, quoted = 0, depth = 0, angle = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] == '\\') {
			i++;
			continue;
		}
		if (i < len && s[i] == '"' && depth == 0)
			quoted = !quoted;
		else if (i < len && !quoted && s[i] == '(')
			depth++;
		else if (i < len && !quoted && s[i] == ')' && depth > 0)
			depth--;
		else if (i < len && !quoted && depth == 0 && s[i] == '<')
			angle = 1;
		else if (i < len && !quoted && depth == 0 && s[i] == '>')
			angle = 0;
		else if (i < len && !quoted && depth == 0 && !angle &&
		    s[i] == ':')
			start = i + 1;	/* a group's display name */
		else if (i == len || (!quoted && depth == 0 && !angle &&
		    (s[i] == ',' || s[i] == ';'))) {
			mailbox(s, start, i, tmp, sizeof(tmp));
			if (strchr(tmp, '@') != NULL) {
				if (fn != NULL)
					fn(arg, tmp);
				count++;
			}
			start = i + 1;
		}
	}
	return count;
}

struct first {
	char *out;
	size_t outsz;
	int seen;
};

static void
keep_first(void *arg, const char *addr)
{
	struct first *f = arg;

	if (f->seen++ == 0 && f->outsz > 0)
		snprintf(f->out, f->outsz, "%s", addr);
}

int
hdr_addresses(const char *s, size_t len, char *out, size_t outsz)
{
	struct first f = { out, outsz, 0 };

	if (outsz > 0)
		out[0] = '\0';
	return hdr_address_each(s, len, keep_first, &f);
}
