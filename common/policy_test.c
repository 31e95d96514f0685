/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * policy_test: every rule of the three policies, one fact at a time.
 */
#include <string.h>

#include "policy.h"
#include "tap.h"

static void
check(enum opt_policy p, struct policy_facts f, enum verdict want,
    const char *reason, const char *what)
{
	const char *got;
	enum verdict d = policy_decide(p, &f, &got);

	tap_ok(d == want && (reason == NULL ? got == NULL :
	    got != NULL && strcmp(got, reason) == 0), "%s: %s", what,
	    got != NULL ? got : "pass");
}

int
main(void)
{
	const struct policy_facts good = { CHAIN_OK, ADDR_MATCH, 0, 2048 };
	struct policy_facts f;

	check(POLICY_CHAIN, good, VERDICT_PASS, NULL, "chain, all good");
	check(POLICY_STRICT, good, VERDICT_PASS, NULL, "strict, all good");
	f = good;
	f.chain = CHAIN_UNTRUSTED;
	f.addr = ADDR_MISMATCH;
	f.weak_digest = 1;
	check(POLICY_SIGNATURE, f, VERDICT_PASS, NULL,
	    "signature ignores chain, address and algorithms");
	check(POLICY_CHAIN, f, VERDICT_POLICY, "untrusted",
	    "chain: untrusted first");
	f = good;
	f.chain = CHAIN_EXPIRED;
	check(POLICY_CHAIN, f, VERDICT_POLICY, "expired", "chain: expired");
	f.chain = CHAIN_NOT_YET_VALID;
	check(POLICY_CHAIN, f, VERDICT_POLICY, "not yet valid",
	    "chain: not yet valid");
	f.chain = CHAIN_USAGE;
	check(POLICY_CHAIN, f, VERDICT_POLICY, "key usage", "chain: usage");
	f.chain = CHAIN_REVOKED;
	check(POLICY_STRICT, f, VERDICT_POLICY, "revoked", "strict: revoked");
	f.chain = CHAIN_NO_CRL;
	check(POLICY_STRICT, f, VERDICT_TEMPERROR, "no CRL",
	    "strict: no CRL is temperror");
	f.chain = CHAIN_STALE_CRL;
	check(POLICY_STRICT, f, VERDICT_TEMPERROR, "CRL out of date",
	    "strict: stale CRL is temperror");
	f.addr = ADDR_MISMATCH;
	check(POLICY_STRICT, f, VERDICT_POLICY, "address mismatch",
	    "strict: a mismatch is said before a missing CRL");
	f.addr = ADDR_MATCH;
	f.weak_digest = 1;
	check(POLICY_STRICT, f, VERDICT_POLICY, "weak algorithm",
	    "strict: a weak algorithm is said before a missing CRL");
	f = good;
	f.addr = ADDR_MISMATCH;
	check(POLICY_CHAIN, f, VERDICT_POLICY, "address mismatch",
	    "chain: another address than From");
	f.addr = ADDR_SEVERAL_FROM;
	check(POLICY_CHAIN, f, VERDICT_POLICY,
	    "address mismatch: several From addresses", "chain: several From");
	f.addr = ADDR_NO_FROM;
	check(POLICY_CHAIN, f, VERDICT_POLICY,
	    "address mismatch: no From address", "chain: no From");
	f.addr = ADDR_NONE_IN_CERT;
	check(POLICY_CHAIN, f, VERDICT_POLICY,
	    "address mismatch: no address in certificate",
	    "chain: certificate without address");
	f.addr = ADDR_AMBIGUOUS;
	check(POLICY_CHAIN, f, VERDICT_POLICY,
	    "address mismatch: ambiguous From", "chain: an ambiguous From");
	f.addr = ADDR_OUTER_DIFFERS;
	check(POLICY_CHAIN, f, VERDICT_POLICY,
	    "address mismatch: the outer From is not the signed From",
	    "chain: the outer From says another address");
	check(POLICY_SIGNATURE, f, VERDICT_PASS, NULL,
	    "signature: no address check");
	f = good;
	f.weak_digest = 1;
	check(POLICY_CHAIN, f, VERDICT_PASS, NULL, "chain allows SHA-1");
	check(POLICY_STRICT, f, VERDICT_POLICY, "weak algorithm",
	    "strict refuses SHA-1");
	f = good;
	f.rsa_bits = 1024;
	check(POLICY_STRICT, f, VERDICT_POLICY, "weak algorithm",
	    "strict refuses RSA-1024");
	f.rsa_bits = 0;
	check(POLICY_STRICT, f, VERDICT_PASS, NULL, "EC keys have no RSA size");
	return tap_done();
}
