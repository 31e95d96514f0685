/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * policy: pure decisions.  Facts about a verified signature in, a verdict
 * and its reason out; no I/O, no OpenSSL, so that every rule of the three
 * policies of smime-verify(1) is a unit test.
 */
#ifndef SMIMETOOLS_POLICY_H
#define SMIMETOOLS_POLICY_H

#include "opts.h"

/* What the chain check found (cms maps X509_V_ERR_* onto these). */
enum chain_status {
	CHAIN_OK, CHAIN_UNTRUSTED, CHAIN_EXPIRED, CHAIN_NOT_YET_VALID,
	CHAIN_REVOKED, CHAIN_USAGE, CHAIN_WEAK, CHAIN_NO_CRL, CHAIN_STALE_CRL,
	CHAIN_TOO_LONG		/* over the limit: cms makes it permerror */
};

/* The address check: the signer's addresses against the From field. */
enum addr_status {
	ADDR_MATCH, ADDR_MISMATCH, ADDR_NO_FROM, ADDR_SEVERAL_FROM,
	ADDR_NONE_IN_CERT,
	ADDR_AMBIGUOUS,		/* a From readers may read differently */
	ADDR_OUTER_DIFFERS	/* the outer From is not the signed header's */
};

struct policy_facts {
	enum chain_status chain;	/* ignored under POLICY_SIGNATURE */
	enum addr_status addr;
	int weak_digest;		/* SHA-1 or MD5 anywhere in the signature */
	int rsa_bits;			/* 0 if the key is not RSA */
};

enum verdict { VERDICT_PASS, VERDICT_POLICY, VERDICT_TEMPERROR };

/* The verdict for a signature that verified; *reason is set for anything
 * but pass (a short lowercase phrase for the header comment). */
enum verdict policy_decide(enum opt_policy p, const struct policy_facts *f,
    const char **reason);

#endif
