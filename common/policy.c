/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * policy: see policy.h.  smime-verify(1) Policies:
 *  signature: the signature matches; the certificate may be self-signed.
 *  chain: also a chain to a trusted anchor, valid now, usage fit for
 *         email signing, and the signer's address is the single From.
 *  strict: also revocation checked against fresh CRLs (temperror when a
 *         CRL is missing or stale), no SHA-1, RSA keys of 2048 bits or more.
 */
#include "policy.h"

static const char *const chain_reasons[] = {
	[CHAIN_OK] = NULL,
	[CHAIN_UNTRUSTED] = "untrusted",
	[CHAIN_EXPIRED] = "expired",
	[CHAIN_NOT_YET_VALID] = "not yet valid",
	[CHAIN_REVOKED] = "revoked",
	[CHAIN_USAGE] = "key usage",
	[CHAIN_WEAK] = "weak algorithm",
	[CHAIN_NO_CRL] = "no CRL",
	[CHAIN_STALE_CRL] = "CRL out of date",
	[CHAIN_TOO_LONG] = "certificate chain too long",
};

static const char *const addr_reasons[] = {
	[ADDR_MATCH] = NULL,
	[ADDR_MISMATCH] = "address mismatch",
	[ADDR_NO_FROM] = "address mismatch: no From address",
	[ADDR_SEVERAL_FROM] = "address mismatch: several From addresses",
	[ADDR_NONE_IN_CERT] = "address mismatch: no address in certificate",
	[ADDR_AMBIGUOUS] = "address mismatch: ambiguous From",
	[ADDR_OUTER_DIFFERS] =
	    "address mismatch: the outer From is not the signed From",
};

enum verdict
policy_decide(enum opt_policy p, const struct policy_facts *f,
    const char **reason)
{
	*reason = NULL;
	int nocrl = f->chain == CHAIN_NO_CRL || f->chain == CHAIN_STALE_CRL;

	if (p == POLICY_SIGNATURE)
		return VERDICT_PASS;
	/* What can never pass is said before what may pass later: a
	 * missing CRL (temperror) comes last. */
	if (f->chain != CHAIN_OK && !nocrl) {
		*reason = chain_reasons[f->chain];
		return VERDICT_POLICY;
	}
	if (f->addr != ADDR_MATCH) {
		*reason = addr_reasons[f->addr];
		return VERDICT_POLICY;
	}
	if (p == POLICY_STRICT && (f->weak_digest ||
	    (f->rsa_bits > 0 && f->rsa_bits < 2048))) {
		*reason = "weak algorithm";
		return VERDICT_POLICY;
	}
	if (nocrl && p == POLICY_STRICT) {
		/* Only strict asks for CRLs; a later run may have them. */
		*reason = chain_reasons[f->chain];
		return VERDICT_TEMPERROR;
	}
	return VERDICT_PASS;
}
