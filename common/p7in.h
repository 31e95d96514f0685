/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * p7in: a CMS object as it arrives in a message body (base64) or a .p7m
 * file (DER, PEM or base64), decoded as it comes and fed to ber_split,
 * which keeps the small structure and streams the content to a callback.
 * smime-verify's opaque signatures and smime-decrypt's enveloped data
 * both come in this way.
 */
#ifndef SMIMETOOLS_P7IN_H
#define SMIMETOOLS_P7IN_H

#include "ber.h"
#include "mime_cte.h"

#define P7IN_E_BASE64	100	/* besides ber.h's BER_E_* */

struct p7in {
	struct ber_split *ber;
	struct b64dec dec;
	int der;		/* bare DER: fed as it is */
	int pem;		/* bare PEM: "-----" lines left out */
	int armour, bol;
	int err;		/* the first error, sticky */
};

/* content: as ber_split_new() takes it. */
void	p7in_init(struct p7in *p, int (*content)(void *arg,
	    const unsigned char *s, size_t n), void *arg);
/* A bare file: its first bytes say DER, PEM or base64. */
void	p7in_sniff(struct p7in *p, const char *first, size_t n);
/* The next bytes; errors stick in p->err. */
void	p7in_feed(struct p7in *p, const char *s, size_t n);
/* The end: 0 or the error; then ber_split_finish()'s results. */
int	p7in_finish(struct p7in *p, unsigned char **skel, size_t *skellen,
	    enum ber_type *type, int *had_content);
/* ber_split_prefix(), while the content is arriving. */
int	p7in_prefix(const struct p7in *p, unsigned char **der, size_t *len);
const char *p7in_strerror(int e);
void	p7in_free(struct p7in *p);

#endif
