/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * p7in: see p7in.h.
 */
#include <string.h>

#include "err.h"
#include "p7in.h"

void
p7in_init(struct p7in *p, int (*content)(void *, const unsigned char *,
    size_t), void *arg)
{
	memset(p, 0, sizeof(*p));
	p->ber = ber_split_new(content, arg);
	b64dec_init(&p->dec);
	p->bol = 1;
}

void
p7in_sniff(struct p7in *p, const char *first, size_t n)
{
	p->der = n > 0 && (unsigned char)first[0] == 0x30;
	/* Only PEM has lines that are not base64. */
	p->pem = n >= 5 && memcmp(first, "-----", 5) == 0;
}

/* PEM's "-----BEGIN ...-----" lines are not base64: leave them out. */
static size_t
unarmour(struct p7in *p, const char *s, size_t n, char *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (p->bol && s[i] == '-')
			p->armour = 1;
		p->bol = s[i] == '\n';
		if (!p->armour)
			out[k++] = s[i];
		else if (s[i] == '\n')
			p->armour = 0;
	}
	return k;
}

void
p7in_feed(struct p7in *p, const char *s, size_t n)
{
	unsigned char buf[16384];
	char text[16000];	/* b64dec_bound(16000) fits buf */
	size_t off, k, t;

	for (off = 0; off < n && p->err == 0; off += k) {
		k = n - off < sizeof(text) ? n - off : sizeof(text);
		if (p->der) {
			p->err = ber_split_feed(p->ber,
			    (const unsigned char *)s + off, k);
			continue;
		}
		t = p->pem ? unarmour(p, s + off, k, text) : k;
		p->err = ber_split_feed(p->ber, buf, b64dec_update(&p->dec,
		    p->pem ? text : s + off, t, buf));
	}
}

int
p7in_finish(struct p7in *p, unsigned char **skel, size_t *skellen,
    enum ber_type *type, int *had_content)
{
	unsigned char tail[3];
	size_t n = 0;

	*type = ber_split_type(p->ber);
	if (p->err != 0)
		return p->err;
	if (!p->der && b64dec_final(&p->dec, tail, &n) != 0)
		return p->err = P7IN_E_BASE64;
	if ((p->err = ber_split_feed(p->ber, tail, n)) == 0)
		p->err = ber_split_finish(p->ber, skel, skellen, type,
		    had_content, NULL);
	*type = ber_split_type(p->ber);
	return p->err;
}

int
p7in_prefix(const struct p7in *p, unsigned char **der, size_t *len)
{
	return ber_split_prefix(p->ber, der, len);
}

const char *
p7in_strerror(int e)
{
	return e == P7IN_E_BASE64 ? "not valid base64" : ber_strerror(e);
}

void
p7in_free(struct p7in *p)
{
	ber_split_free(p->ber);
	p->ber = NULL;
}
