/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
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
 * White space and invisible characters a reader may strip or show as
 * nothing: ASCII white space and the other controls, and in UTF-8 the
 * Unicode spaces (U+00A0, U+1680, U+2000-U+200A, U+202F, U+205F,
 * U+3000), line and paragraph separators, zero-width and direction
 * marks (U+180E, U+200B-U+200F, U+202A-U+202E, U+2060-U+206F, U+FEFF);
 * a lone 0x85 or 0xA0 byte is NEL or NBSP in Latin-1.  Returns the
 * length of the one at s, or 0.
 */
static size_t
blank(const unsigned char *s, size_t n)
{
	if (s[0] < 32 || s[0] == 127 || s[0] == ' ')
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0xa0 || s[1] == 0x85))
		return 2;
	if (n >= 3 && s[0] == 0xe1 && ((s[1] == 0x9a && s[2] == 0x80) ||
	    (s[1] == 0xa0 && s[2] == 0x8e)))
		return 3;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8f) || (s[2] >= 0xa8 && s[2] <= 0xaf)))
		return 3;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x81 &&
	    (s[2] == 0x9f || (s[2] >= 0xa0 && s[2] <= 0xaf)))
		return 3;
	if (n >= 3 && ((s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) ||
	    (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)))
		return 3;
	if (s[0] == 0x85 || s[0] == 0xa0)
		return 1;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int
b64val(int c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	const char *p = c != '\0' ? strchr(a, c) : NULL;

	return p != NULL ? (int)(p - a) : -1;
}

/*
 * One RFC 2047 encoded-word at s (=?charset?q-or-b?text?=), decoded into
 * out, as the laxest decoder reads it: the charset is any run without
 * '?', the text runs to the first "?=" whatever it holds, bad base64 is
 * skipped.  Returns the length of the word, or 0 if there is none at s.
 */
static size_t
ew_word(const char *s, size_t len, char *out, size_t *n)
{
	size_t i = 2, cs, t, end, k = 0;
	unsigned acc = 0;
	int bits = 0, v, enc;

	if (len < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	for (cs = i; i < len && s[i] != '?'; i++)
		;
	if (i == cs || i + 2 >= len || s[i + 2] != '?')
		return 0;
	enc = tolower((unsigned char)s[i + 1]);
	if (enc != 'q' && enc != 'b')
		return 0;
	for (t = end = i + 3; end + 1 < len; end++)
		if (s[end] == '?' && s[end + 1] == '=')
			break;
	if (end + 1 >= len)
		return 0;
	for (i = t; i < end; i++) {
		if (enc == 'b') {
			if ((v = b64val((unsigned char)s[i])) < 0)
				continue;
			acc = acc << 6 | (unsigned)v;
			if ((bits += 6) >= 8) {
				bits -= 8;
				out[k++] = (char)(acc >> bits & 0xff);
			}
		} else if (s[i] == '=' && i + 2 < end &&
		    hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			out[k++] = (char)(hexval((unsigned char)s[i + 1]) << 4 |
			    hexval((unsigned char)s[i + 2]));
			i += 2;
		} else
			out[k++] = s[i] == '_' ? ' ' : s[i];
	}
	*n = k;
	return end + 2;
}

/* s with every encoded-word decoded, into out (len bytes are enough:
 * decoding never lengthens); returns the length. */
static size_t
ew_decode(const char *s, size_t len, char *out)
{
	size_t i = 0, n = 0, k, w;

	while (i < len) {
		if ((w = ew_word(s + i, len - i, out + n, &k)) > 0) {
			i += w;
			n += k;
		} else
			out[n++] = s[i++];
	}
	return n;
}

/*
 * Is the Authentication-Results field ours?  RFC 8601 2.2: the
 * authserv-id is a token or quoted-string after optional CFWS, then maybe
 * a version.  A reader may be laxer than the grammar, and a forger counts
 * on that, so we look as the laxest would: encoded-words decoded
 * anywhere (Python's email package reads the field as unstructured text
 * and decodes them even inside quotes and words), comments dropped (one
 * inside a token joins its halves: "mx.example(x).org"), quotes and
 * escapes undone, any white space or invisible character (blank())
 * taken as a space, and the words before the first ';' taken.  Ours if
 * the first word, all of them joined, or all but a trailing version
 * number joined, is our id (case aside, a final dot aside).  A field cut
 * short by the parser (MIME_FIELD_MAX) before its ';' is taken as ours:
 * what hides its id behind 64 KiB of comment is a forgery.
 */
static int
same_id(const char *got, size_t n, const char *id, size_t idlen)
{
	while (n > 0 && (*got == ' ' || *got == '\t')) {
		got++;
		n--;
	}
	while (n > 0 && (got[n - 1] == ' ' || got[n - 1] == '\t'))
		n--;
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
	char text[512], *d;
	size_t v, i, m, b, n = 0, idlen = strlen(id), first = 0, last = 0,
	    lastlen;
	int depth = 0, quoted = 0, words = 0, inword = 0, semi = 0;

	if (!mime_field_is(field, len, "Authentication-Results"))
		return 0;
	if (idlen > 1 && id[idlen - 1] == '.')
		idlen--;
	mime_field_name(field, len, &v);
	d = xmalloc(len - v + 1);
	m = ew_decode(field + v, len - v, d);
	for (i = 0; i < m && !semi; i++) {
		char c = d[i];

		if (c == '\\' && (quoted || depth > 0) && i + 1 < m) {
			c = d[++i];
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
		/* In quotes a space or tab is part of the id (same_id()
		 * trims them at its ends); anything else blank shows as
		 * nothing. */
		if ((b = blank((const unsigned char *)d + i, m - i)) > 0 &&
		    !(quoted && (c == ' ' || c == '\t'))) {
			i += b - 1;
			if (!quoted)
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
	free(d);
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
append_n(struct hdr_field *f, const char *s, size_t n)
{
	buf_add(&f->b, s, n);
	f->col += n;
}

static void
append(struct hdr_field *f, const char *s)
{
	append_n(f, s, strlen(s));
}

void
hdr_field_init(struct hdr_field *f, const char *name, const char *eol)
{
	memset(f, 0, sizeof(*f));
	f->eol = eol;
	append(f, name);
	append(f, ":");
}

/*
 * Appends sep, then the item after a space, folding before it (a line
 * end and a tab) if the line would pass 78 columns.  An item longer than
 * a line of its own (a long quoted issuer, a comment) is also folded
 * before its own spaces: in a quoted-string or a comment the line end of
 * a fold is invisible (RFC 5322 3.2.4), so the value reads the same.
 * Items are at most HDR_VALUE_MAX and some, so no line passes 998.
 */
void
hdr_field_add(struct hdr_field *f, const char *sep, const char *item)
{
	const char *p, *sp;
	size_t n = strlen(item), w;

	append(f, sep);
	if (f->col + 1 + n > FOLD_AT && f->col > 0) {
		/* Fold: the line end, then a tab starts the next line. */
		append(f, f->eol);
		f->col = 0;
		append(f, "\t");
	} else
		append(f, " ");
	if (f->col + n <= FOLD_AT || strchr(item, ' ') == NULL) {
		append(f, item);
		return;
	}
	for (p = item; *p != '\0'; p += w) {
		/* A word: from here (its space, but for the first) to the
		 * next space. */
		sp = strchr(p + (p != item), ' ');
		w = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (p != item && f->col + w > FOLD_AT && f->col > 1) {
			append(f, f->eol);
			f->col = 0;
		}
		append_n(f, p, w);
	}
}

void
hdr_field_end(struct hdr_field *f)
{
	append(f, f->eol);
}

void
hdr_field_release(struct hdr_field *f)
{
	buf_free(&f->b);
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

/*
 * s between open and close, every byte made safe(), a backslash before
 * each byte of esc and before a '?' that follows a '=': no "=?" is left
 * to start an RFC 2047 encoded-word, which a lax reader (Python's email
 * package among them) decodes anywhere, inside quotes and comments too,
 * into a line break and a field of the sender's choosing.  Cut at
 * HDR_VALUE_MAX octets, "..." marking the cut.
 */
static char *
render(const char *s, size_t len, char open, const char *esc, char close)
{
	char *out = xmalloc(HDR_VALUE_MAX + 1);
	size_t i, n = 0;
	int bs;

	out[n++] = open;
	for (i = 0; i < len; i++) {
		char c = safe((unsigned char)s[i]);

		bs = strchr(esc, c) != NULL || (c == '?' && out[n - 1] == '=');
		if (n + bs + 1 + 3 + 1 > HDR_VALUE_MAX) {
			memcpy(out + n, "...", 3);
			n += 3;
			break;
		}
		if (bs)
			out[n++] = '\\';
		out[n++] = c;
	}
	out[n++] = close;
	out[n] = '\0';
	return out;
}

char *
hdr_token_or_quoted(const char *s, size_t len)
{
	size_t i, at = 0, ats = 0, tok = 1, addr = 1;
	char *out;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		tok &= is_token(c);
		if (c == '@') {
			ats++;
			at = i;
		} else
			addr &= is_atext(c) && !(c == '?' && i > 0 &&
			    s[i - 1] == '=');
	}
	addr &= ats == 1 && at > 0 && at + 1 < len;
	if (len > 0 && len <= HDR_VALUE_MAX && (tok || addr)) {
		out = xmalloc(len + 1);
		memcpy(out, s, len);
		out[len] = '\0';
		return out;
	}
	return render(s, len, '"', "\"\\", '"');
}

char *
hdr_comment(const char *s, size_t len)
{
	return render(s, len, '(', "()\\", ')');
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

/* Does this text (display name, comment; encoded-words decoded) look
 * like an address or an angle-addr to a reader: '@', '<', '>', their
 * fullwidth and small forms (U+FF20, U+FE6B, U+FF1C, U+FF1E), or a
 * control character that could end a line where it is shown? */
static int
looks_addr(const char *s, size_t len)
{
	char *d = xmalloc(len + 1);
	size_t i, n = ew_decode(s, len, d);
	int bad = 0;

	for (i = 0; i < n && !bad; i++) {
		unsigned char c = (unsigned char)d[i];

		bad = c == '@' || c == '<' || c == '>' || c == 0 ||
		    (c < 32 && c != ' ' && c != '\t' && c != '\r' &&
		    c != '\n') || c == 127;
		if (c == 0xef && i + 2 < n)
			bad |= ((unsigned char)d[i + 1] == 0xbc &&
			    ((unsigned char)d[i + 2] == 0xa0 ||
			    (unsigned char)d[i + 2] == 0x9c ||
			    (unsigned char)d[i + 2] == 0x9e)) ||
			    ((unsigned char)d[i + 1] == 0xb9 &&
			    (unsigned char)d[i + 2] == 0xab);
	}
	free(d);
	return bad;
}

/* A dot-atom local part, '@', a dot-atom domain of letters, digits and
 * '-': the one shape every reader reads alike. */
static int
plain_addr(const char *s, size_t len)
{
	size_t i, at = len;
	int prev_dot = 1;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '@' && at == len && !prev_dot && i > 0) {
			at = i;
			prev_dot = 1;
			continue;
		}
		if (c == '.') {
			if (prev_dot)
				return 0;
			prev_dot = 1;
			continue;
		}
		prev_dot = 0;
		if (at == len ? !is_atext(c) || (c == '?' && i > 0 &&
		    s[i - 1] == '=') : !isalnum(c) && c != '-')
			return 0;
	}
	return at < len && !prev_dot;
}

/* The end of the comment or quoted-string that starts at s[i], after
 * its closing character, or 0 if it does not end. */
static size_t
span_end(const char *s, size_t len, size_t i)
{
	int depth = 0;

	for (; i < len; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[0] == '"' ? s[i] == '"' && i > 0 : 0)
			return i + 1;
		if (s[0] == '(' && s[i] == '(')
			depth++;
		if (s[0] == '(' && s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return 0;
}

/*
 * One pass over the value at the top level (outside comments and
 * quoted-strings): where the angle brackets are, whether there are
 * specials that make it a list, a group or a route, and where the text
 * outside comments and white space starts and ends.
 */
struct from_scan {
	size_t lt, gt, nlt, ngt;
	size_t text0, text1, runs;	/* text outside CFWS, and its runs */
	int group, comma, bad, quotes;
};

static void
from_scan(const char *s, size_t len, struct from_scan *sc)
{
	size_t i, e;
	int inangle = 0, intext = 0;

	memset(sc, 0, sizeof(*sc));
	sc->text0 = len;
	for (i = 0; i < len && !sc->bad; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || c == '\n') {
			/* Only as folding: CRLF (or LF) then WSP. */
			if (c == '\r' && (i + 1 >= len || s[i + 1] != '\n'))
				sc->bad = 1;
			if (c == '\n' && (i + 1 >= len || (s[i + 1] != ' ' &&
			    s[i + 1] != '\t')))
				sc->bad = 1;
			intext = 0;
			continue;
		}
		if (c == 0 || (c < 32 && c != '\t') || c == 127) {
			sc->bad = 1;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '(') {
			intext = 0;
			if (c == '(') {
				if ((e = span_end(s + i, len - i, 0)) == 0 ||
				    inangle || looks_addr(s + i, e))
					sc->bad = 1;
				i += e - 1;
			}
			continue;
		}
		if (!intext) {
			intext = 1;
			sc->runs++;
		}
		if (sc->text0 == len)
			sc->text0 = i;
		if (c == '"') {
			if ((e = span_end(s + i, len - i, 0)) == 0 || inangle)
				sc->bad = 1;
			sc->quotes = 1;
			i += e - 1;
			sc->text1 = i + 1;
			continue;
		}
		sc->text1 = i + 1;
		if (c == '\\' || c == '[' || c == ']')
			sc->bad = 1;
		else if (c == '<') {
			sc->nlt++;
			sc->lt = i;
			inangle = 1;
		} else if (c == '>') {
			sc->ngt++;
			sc->gt = i;
			inangle = 0;
		} else if (c == ':' || c == ';')
			sc->group = 1;
		else if (c == ',')
			sc->comma = 1;
		else if (sc->ngt > 0 && !inangle)
			sc->bad = 1;	/* text after the angle-addr */
	}
}

enum hdr_from
hdr_from(const char *s, size_t len, char *out, size_t outsz)
{
	struct from_scan sc;
	const char *a;
	size_t i, n;

	if (outsz > 0)
		out[0] = '\0';
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	from_scan(s, len, &sc);
	if (sc.text0 == len)
		return sc.bad ? HDR_FROM_AMBIGUOUS : HDR_FROM_NONE;
	if (sc.comma && !sc.group)
		return hdr_address_each(s, len, NULL, NULL) > 1 ?
		    HDR_FROM_SEVERAL : HDR_FROM_AMBIGUOUS;
	if (sc.bad || sc.group || sc.nlt > 1 || sc.nlt != sc.ngt ||
	    sc.gt < sc.lt)
		return HDR_FROM_AMBIGUOUS;
	if (sc.nlt == 1) {
		/* Display name and angle-addr: no '@' in the name. */
		a = s + sc.lt + 1;
		n = sc.gt - sc.lt - 1;
		if (memchr(s, '@', sc.lt) != NULL || looks_addr(s, sc.lt))
			return HDR_FROM_AMBIGUOUS;
	} else {
		/* A bare addr-spec: one run of text, no quotes. */
		a = s + sc.text0;
		n = sc.text1 - sc.text0;
		if (sc.runs != 1 || sc.quotes)
			return HDR_FROM_AMBIGUOUS;
	}
	if (!plain_addr(a, n) || n >= outsz)
		return HDR_FROM_AMBIGUOUS;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)a[i]);
	out[n] = '\0';
	return HDR_FROM_ONE;
}
