/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * opts: the popt tables the commands include, and the values they set.
 *
 * Every option the man pages describe is defined here exactly once.
 * opts_common is in every command; the others are in the commands that
 * take them:
 *
 *	opts_identity	-k -c -p --as		sign, encrypt, decrypt, certstore
 *	opts_token	--pkcs11 --module	certstore
 *	opts_sign	--detached --opaque ...	smime-sign
 *	opts_trust	--policy --ca ...	smime-verify, certstore
 *	opts_verify	--import --unwrap	smime-verify
 *	opts_encrypt	-r -t --self ...	smime-encrypt
 *	opts_hp		--protect-headers ...	smime-sign, smime-encrypt
 *	opts_decrypt	--allow-legacy ...	smime-decrypt
 *	opts_store	--grace --repair --bind-dn ...	certstore
 *
 * opts_parse() runs popt (with /etc/popt and ~/.popt aliases), checks the
 * values that have a fixed set of choices, and dies with ERR_USAGE on a
 * bad command line.  popt's tables need the addresses of the values, so
 * they land in a struct private to opts.c; the main gets it read-only and
 * hands what each module needs to that module (a filter's context, a
 * parameter): no library module reads the command line on its own.
 */
#ifndef SMIMETOOLS_OPTS_H
#define SMIMETOOLS_OPTS_H

#include <popt.h>

#include "io.h"

enum opt_policy { POLICY_SIGNATURE, POLICY_CHAIN, POLICY_STRICT };
enum opt_cipher {
	CIPHER_AUTO, CIPHER_AES128_GCM, CIPHER_AES256_GCM,
	CIPHER_AES128_CBC, CIPHER_AES256_CBC, CIPHER_CHACHA20_POLY1305
};

/*
 * The limits on what a message may hold (smimetools(7) LIMITS): beyond
 * them a message is a permerror or a fail, quickly, never a crash.
 * --limit NAME=N changes one, up to its hard cap.
 */
struct limits {
	unsigned depth;		/* nested multiparts and messages */
	unsigned parts;		/* entities in a message */
	unsigned signers;	/* SignerInfos in one signature */
	unsigned certs;		/* certificates a signature carries */
	unsigned chain;		/* intermediates between signer and anchor */
	unsigned layers;	/* signatures nested in signatures */
	unsigned recipients;	/* addresses smime-encrypt takes */
};

struct opts {
	/* common */
	const char *in, *out, *store, *passin, *authserv_id, *report;
	enum io_eol eol;	/* IO_EOL_KEEP: as the input */
	int verbose, quiet, json, strict, tempfail;
	/* identity */
	const char *key, *cert, *p12, *as;
	const char *pkcs11, *module;	/* certstore identity add */
	/* sign */
	int opaque, pss, wrap;
	const char **chain;	/* --chain FILE..., NULL-terminated */
	const char *digest, *filename;
	/* trust */
	enum opt_policy policy;
	const char **ca;	/* NULL-terminated, may be NULL */
	int no_system_ca;
	/* verify */
	int import, unwrap;
	const char **certfile;	/* --certfile FILE..., NULL-terminated */
	/* encrypt */
	const char **recip_files, **recip_addrs;
	int self, missing_plain, oaep, no_encrypt;
	/* header protection: an enum hcp_policy (HCP_OFF: not given) */
	int protect_headers, no_legacy_display;
	enum opt_cipher cipher;
	/* decrypt */
	int allow_legacy, require_integrity;
	/* store */
	int grace_days, repair;
	/* certstore ldap set; timeout 0: not given */
	const char *bind_dn, *bind_passin, *tls_ca;
	int ldap_timeout;
	struct limits lim;
};

/* The values before any option: what the man pages give as defaults.
 * A command that runs a filter without a command line (a fuzz target)
 * starts from a copy. */
extern const struct opts opts_default;

extern struct poptOption opts_common[], opts_identity[], opts_token[],
    opts_sign[], opts_trust[], opts_verify[], opts_encrypt[], opts_hp[],
    opts_decrypt[], opts_store[];

#define OPTS_INCLUDE(table, title) \
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, (table), 0, (title), NULL }

/*
 * Parses argv with the given table (which must include opts_common) and
 * returns the popt context, positioned at the leftover arguments, and in
 * *o the values (valid until opts_free).  `args` is the synopsis text
 * after the options, as popt's poptSetOtherOptionHelp() wants it.
 */
poptContext opts_parse(int argc, const char **argv,
    const struct poptOption *table, const char *args,
    const struct opts **o);
/* Dies with ERR_USAGE if arguments are left after the options. */
void opts_no_args(poptContext pc);
/* Frees the context and the values popt allocated. */
void opts_free(poptContext pc);

/* The authserv-id: --authserv-id, $SMIME_AUTHSERV_ID, the host name;
 * dies ERR_USAGE if it is no token. */
const char *opts_authserv_id(const struct opts *o);
/* The store folder: -S, $SMIME_STORE, ~/.smime. */
const char *opts_store_dir(const struct opts *o);

#endif
