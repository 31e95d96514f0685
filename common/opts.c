/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * opts: see opts.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cms.h"
#include "err.h"
#include "hcp.h"
#include "mime.h"
#include "opts.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

const struct opts opts_default = {
	.eol = IO_EOL_KEEP,
	.policy = POLICY_CHAIN,
	.cipher = CIPHER_AUTO,
	.grace_days = 0,
	.lim = { 100, 10000, 8, 64, 8, 4, 500 },
};

/* Where popt writes: its tables hold these addresses.  Read by nothing
 * but this file; opts_parse() starts it from opts_default and hands it
 * out read-only. */
static struct opts opt;

/* --limit NAME=N: the name, where it lives, its hard cap. */
static const struct {
	const char *name;
	size_t off;
	unsigned max;
} limit_names[] = {
	{ "depth", offsetof(struct limits, depth), MIME_DEPTH_MAX },
	{ "parts", offsetof(struct limits, parts), 1000000 },
	{ "signers", offsetof(struct limits, signers), CMS_SIGNERS_MAX },
	{ "certs", offsetof(struct limits, certs), 1000 },
	{ "chain", offsetof(struct limits, chain), 32 },
	{ "layers", offsetof(struct limits, layers), 16 },
	{ "recipients", offsetof(struct limits, recipients), 10000 },
};
static const char **limits;

/* popt stores strings and flags straight into `opt`; the values with a
 * fixed set of choices are read into these and checked afterwards. */
static const char *on_error, *policy, *cipher, *missing;
/* Freed by opts_free(), or by an exit hook when a command dies early. */
static poptContext context;

/* POPT_ARG_ARGV: popt duplicates each string into a realloc'd array. */
static void
free_argv(const char ***v)
{
	size_t i;

	for (i = 0; *v != NULL && (*v)[i] != NULL; i++)
		free((char *)(*v)[i]);
	free(*v);
	*v = NULL;
}

static void
free_context(void)
{
	free_argv(&opt.ca);
	free_argv(&opt.chain);
	free_argv(&limits);
	free_argv(&opt.recip_files);
	free_argv(&opt.recip_addrs);
	if (context != NULL)
		poptFreeContext(context);
	context = NULL;
}

enum { OPT_VERSION = 1, OPT_CRLF, OPT_LF, OPT_PROTECT };

struct poptOption opts_common[] = {
	{ "in", 'i', POPT_ARG_STRING, &opt.in, 0,
	  "read FILE instead of stdin", "FILE" },
	{ "out", 'o', POPT_ARG_STRING, &opt.out, 0,
	  "write FILE (atomically) instead of stdout", "FILE" },
	{ "store", 'S', POPT_ARG_STRING, &opt.store, 0,
	  "certificate store (default $SMIME_STORE, else ~/.smime)", "DIR" },
	{ "passin", '\0', POPT_ARG_STRING, &opt.passin, 0,
	  "passphrase source: pass:TEXT, env:VAR, file:PATH, fd:N", "SRC" },
	{ "crlf", '\0', POPT_ARG_NONE, NULL, OPT_CRLF,
	  "write CRLF line endings", NULL },
	{ "lf", '\0', POPT_ARG_NONE, NULL, OPT_LF,
	  "write LF line endings (default: as the input)", NULL },
	{ "verbose", 'v', POPT_ARG_NONE, &opt.verbose, 0,
	  "more diagnostics on stderr", NULL },
	{ "quiet", 'q', POPT_ARG_NONE, &opt.quiet, 0,
	  "no warnings on stderr (a failure still says why)", NULL },
	{ "json", '\0', POPT_ARG_NONE, &opt.json, 0,
	  "listings as one JSON object per line", NULL },
	{ "strict", 's', POPT_ARG_NONE, &opt.strict, 0,
	  "exit 1 when the cryptographic outcome is negative", NULL },
	{ "authserv-id", '\0', POPT_ARG_STRING, &opt.authserv_id, 0,
	  "id in result headers (default $SMIME_AUTHSERV_ID, else host name)",
	  "ID" },
	{ "limit", '\0', POPT_ARG_ARGV, &limits, 0,
	  "change a limit: depth, parts, signers, certs, chain, layers, "
	  "recipients (see smimetools(7))", "NAME=N" },
	{ "on-error", '\0', POPT_ARG_STRING, &on_error, 0,
	  "tempfail: map every operational failure to exit 75",
	  "exit|tempfail" },
	{ "report", '\0', POPT_ARG_STRING, &opt.report, 0,
	  "also append the result as a JSON line to FILE (or fd:N)", "FILE" },
	{ "version", '\0', POPT_ARG_NONE, NULL, OPT_VERSION,
	  "print the version and exit", NULL },
	POPT_TABLEEND
};

struct poptOption opts_identity[] = {
	{ "key", 'k', POPT_ARG_STRING, &opt.key, 0,
	  "private key file (PEM)", "KEY" },
	{ "cert", 'c', POPT_ARG_STRING, &opt.cert, 0,
	  "certificate file of the key", "CERT" },
	{ "pkcs12", 'p', POPT_ARG_STRING, &opt.p12, 0,
	  "key and certificate in a PKCS#12 file", "FILE.p12" },
	{ "as", '\0', POPT_ARG_STRING, &opt.as, 0,
	  "the identity of ADDR in the store", "ADDR" },
	POPT_TABLEEND
};

struct poptOption opts_token[] = {
	{ "pkcs11", '\0', POPT_ARG_STRING, &opt.pkcs11, 0,
	  "the private key on a PKCS#11 token (RFC 7512 URI)", "URI" },
	{ "module", '\0', POPT_ARG_STRING, &opt.module, 0,
	  "the token's PKCS#11 module (wins over module-path=)", "FILE" },
	POPT_TABLEEND
};

struct poptOption opts_sign[] = {
	{ "detached", '\0', POPT_ARG_VAL, &opt.opaque, 0,
	  "multipart/signed (default)", NULL },
	{ "opaque", '\0', POPT_ARG_VAL, &opt.opaque, 1,
	  "application/pkcs7-mime; smime-type=signed-data", NULL },
	{ "chain", '\0', POPT_ARG_ARGV, &opt.chain, 0,
	  "add the intermediate certificates in FILE (repeatable)", "FILE" },
	{ "digest", '\0', POPT_ARG_STRING, &opt.digest, 0,
	  "sha256 (default), sha384 or sha512", "ALG" },
	{ "pss", '\0', POPT_ARG_NONE, &opt.pss, 0,
	  "RSA-PSS signatures", NULL },
	{ "wrap", '\0', POPT_ARG_NONE, &opt.wrap, 0,
	  "the input is a file, not a message", NULL },
	{ "filename", '\0', POPT_ARG_STRING, &opt.filename, 0,
	  "file name for --wrap", "NAME" },
	POPT_TABLEEND
};

struct poptOption opts_trust[] = {
	{ "policy", '\0', POPT_ARG_STRING, &policy, 0,
	  "signature, chain (default) or strict", "P" },
	{ "ca", '\0', POPT_ARG_ARGV, &opt.ca, 0,
	  "trust anchors in FILE or DIR (repeatable)", "FILE|DIR" },
	{ "no-system-ca", '\0', POPT_ARG_NONE, &opt.no_system_ca, 0,
	  "do not trust the system's CA bundle", NULL },
	POPT_TABLEEND
};

struct poptOption opts_verify[] = {
	{ "import", '\0', POPT_ARG_NONE, &opt.import, 0,
	  "on pass, store the signer's certificate", NULL },
	{ "unwrap", '\0', POPT_ARG_NONE, &opt.unwrap, 0,
	  "remove the signature part of multipart/signed", NULL },
	{ "certfile", '\0', POPT_ARG_ARGV, &opt.certfile, 0,
	  "signer certificates a message may lack, in FILE (repeatable)",
	  "FILE" },
	POPT_TABLEEND
};

struct poptOption opts_encrypt[] = {
	{ "recipient", 'r', POPT_ARG_ARGV, &opt.recip_files, 0,
	  "encrypt to the certificate in CERTFILE (repeatable)",
	  "CERTFILE" },
	{ "to", 't', POPT_ARG_ARGV, &opt.recip_addrs, 0,
	  "encrypt to ADDR's certificate in the store (repeatable)", "ADDR" },
	{ "self", '\0', POPT_ARG_NONE, &opt.self, 0,
	  "also encrypt to our own certificate", NULL },
	{ "missing", '\0', POPT_ARG_STRING, &missing, 0,
	  "no certificate for a recipient: fail (default) or plain",
	  "fail|plain" },
	{ "cipher", '\0', POPT_ARG_STRING, &cipher, 0,
	  "auto, aes-128-gcm, aes-256-gcm, aes-128-cbc, aes-256-cbc, "
	  "chacha20-poly1305", "C" },
	{ "oaep", '\0', POPT_ARG_NONE, &opt.oaep, 0,
	  "RSA-OAEP for RSA recipients", NULL },
	{ "no-encrypt", '\0', POPT_ARG_NONE, &opt.no_encrypt, 0,
	  "pass the message through unencrypted", NULL },
	POPT_TABLEEND
};

/* RFC 9788 header protection: smime-sign and smime-encrypt.  The policy
 * is optional (bare: hcp_baseline), so popt hands it to the loop in
 * opts_parse() rather than storing it. */
struct poptOption opts_hp[] = {
	{ "protect-headers", '\0', POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL,
	  NULL, OPT_PROTECT, "hp=\"cipher\" payload, outer header obscured "
	  "by the policy: hcp_baseline (default), hcp_shy, "
	  "hcp_no_confidentiality", "HCP" },
	{ "no-legacy-display", '\0', POPT_ARG_NONE, &opt.no_legacy_display, 0,
	  "no Legacy Display Element in the text part", NULL },
	POPT_TABLEEND
};

struct poptOption opts_decrypt[] = {
	{ "allow-legacy", '\0', POPT_ARG_NONE, &opt.allow_legacy, 0,
	  "also accept 3DES", NULL },
	{ "require-integrity", '\0', POPT_ARG_NONE, &opt.require_integrity, 0,
	  "refuse CBC (unauthenticated) encryption", NULL },
	POPT_TABLEEND
};

struct poptOption opts_store[] = {
	{ "grace", '\0', POPT_ARG_INT, &opt.grace_days, 0,
	  "expire: days a certificate is kept after it expired", "DAYS" },
	{ "repair", '\0', POPT_ARG_NONE, &opt.repair, 0,
	  "fsck: repair what can be repaired", NULL },
	{ "bind-dn", '\0', POPT_ARG_STRING, &opt.bind_dn, 0,
	  "ldap set: the DN to bind to the directory as", "DN" },
	{ "bind-passin", '\0', POPT_ARG_STRING, &opt.bind_passin, 0,
	  "ldap set: where its passphrase is (file:, env:, fd:)", "SRC" },
	{ "tls-ca", '\0', POPT_ARG_STRING, &opt.tls_ca, 0,
	  "ldap set: the CA of the server's certificate (StartTLS on "
	  "ldap://)", "FILE" },
	{ "timeout", '\0', POPT_ARG_INT, &opt.ldap_timeout, 0,
	  "ldap set: seconds to wait for the directory (5)", "SECONDS" },
	POPT_TABLEEND
};

static int
choose(const char *what, const char *val, const char *const *choices)
{
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(val, choices[i]) == 0)
			return i;
	xdie(ERR_USAGE, "bad %s '%s' (see --help)", what, val);
}

static void
set_limit(const char *arg)
{
	const char *eq = strchr(arg, '=');
	unsigned long v;
	char *end;
	size_t i;

	for (i = 0; eq != NULL && i < sizeof(limit_names) /
	    sizeof(limit_names[0]); i++) {
		if (strlen(limit_names[i].name) != (size_t)(eq - arg) ||
		    strncmp(arg, limit_names[i].name, (size_t)(eq - arg)) != 0)
			continue;
		errno = 0;
		v = strtoul(eq + 1, &end, 10);
		if (eq[1] == '\0' || *end != '\0' || errno != 0 || v < 1 ||
		    v > limit_names[i].max)
			xdie(ERR_USAGE, "bad --limit '%s': %s is 1 to %u", arg,
			    limit_names[i].name, limit_names[i].max);
		*(unsigned *)((char *)&opt.lim + limit_names[i].off) =
		    (unsigned)v;
		return;
	}
	xdie(ERR_USAGE, "bad --limit '%s' (see smimetools(7), LIMITS)", arg);
}

/* --protect-headers[=HCP]: the policy, HCP_BASELINE bare. */
static void
protect(char *arg)
{
	opt.protect_headers = arg == NULL ? HCP_BASELINE :
	    HCP_BASELINE + choose("--protect-headers", arg, hcp_names);
	free(arg);
}

static void
check_values(void)
{
	const char **l;

	static const char *const on_errors[] = { "exit", "tempfail", NULL };
	static const char *const policies[] = {
		"signature", "chain", "strict", NULL
	};
	static const char *const ciphers[] = {
		"auto", "aes-128-gcm", "aes-256-gcm", "aes-128-cbc",
		"aes-256-cbc", "chacha20-poly1305", NULL
	};
	static const char *const missings[] = { "fail", "plain", NULL };
	static const char *const digests[] = {
		"sha256", "sha384", "sha512", NULL
	};

	if (on_error != NULL)
		opt.tempfail = choose("--on-error", on_error, on_errors);
	err_set_tempfail(opt.tempfail);
	if (policy != NULL)
		opt.policy = (enum opt_policy)choose("--policy", policy,
		    policies);
	if (cipher != NULL)
		opt.cipher = (enum opt_cipher)choose("--cipher", cipher,
		    ciphers);
	if (missing != NULL)
		opt.missing_plain = choose("--missing", missing, missings);
	if (opt.digest != NULL)
		choose("--digest", opt.digest, digests);
	if (opt.grace_days < 0)
		xdie(ERR_USAGE, "bad --grace '%d' (see --help)",
		    opt.grace_days);
	if (opt.ldap_timeout < 0 || opt.ldap_timeout > 600)
		xdie(ERR_USAGE, "bad --timeout '%d': 1 to 600 seconds",
		    opt.ldap_timeout);
	for (l = limits; l != NULL && *l != NULL; l++)
		set_limit(*l);
	mime_depth_max = opt.lim.depth;
	mime_parts_max = opt.lim.parts;
	if (opt.verbose && opt.quiet)
		xdie(ERR_USAGE, "-v and -q exclude each other");
	err_set_verbose(opt.verbose);
	err_set_quiet(opt.quiet);
	if (opt.authserv_id != NULL)
		opts_authserv_id(&opt);
}

poptContext
opts_parse(int argc, const char **argv, const struct poptOption *table,
    const char *args, const struct opts **o)
{
	poptContext pc;
	int rc;

	opt = opts_default;
	err_setprog(argv[0]);
	io_init();
	/* Before popt runs, so that its own usage errors are mapped too:
	 * a Postfix pipe with a typo in its options must defer, not bounce
	 * every message. */
	for (rc = 1; rc < argc; rc++)
		if (strcmp(argv[rc], "--on-error=tempfail") == 0 ||
		    (strcmp(argv[rc], "--on-error") == 0 && rc + 1 < argc &&
		    strcmp(argv[rc + 1], "tempfail") == 0))
			err_set_tempfail(1);
	pc = context = poptGetContext(err_prog(), argc, argv, table, 0);
	err_atexit(free_context);
	poptSetOtherOptionHelp(pc, args);
	/* Site defaults through popt aliases: /etc/popt, ~/.popt. */
	poptReadDefaultConfig(pc, 0);
	while ((rc = poptGetNextOpt(pc)) > 0) {
		switch (rc) {
		case OPT_VERSION:
			printf("%s (smimetools) %s\n", err_prog(), VERSION);
			exit(0);
		case OPT_CRLF:
			opt.eol = IO_EOL_CRLF;
			break;
		case OPT_LF:
			opt.eol = IO_EOL_LF;
			break;
		case OPT_PROTECT:
			protect(poptGetOptArg(pc));
			break;
		}
	}
	if (rc < -1)
		xdie(ERR_USAGE, "%s: %s (see --help)",
		    poptBadOption(pc, POPT_BADOPTION_NOALIAS),
		    poptStrerror(rc));
	check_values();
	*o = &opt;
	return pc;
}

void
opts_no_args(poptContext pc)
{
	if (poptPeekArg(pc) != NULL)
		xdie(ERR_USAGE, "unexpected argument '%s' (see --help)",
		    poptPeekArg(pc));
}

void
opts_free(poptContext pc)
{
	(void)pc;
	free_context();
}

/*
 * The authserv-id goes into a header unquoted (RFC 8601 2.2 makes it a
 * "value", token or quoted-string): accept only what is a token in
 * practice, a host-name-like string, so nothing needs escaping.
 */
static int
valid_id(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && strchr(".-_", s[n]) ==
		    NULL)
			return 0;
	return n > 0 && n <= 255;
}

const char *
opts_authserv_id(const struct opts *o)
{
	static char host[256];
	const char *id = o->authserv_id;

	if (id == NULL)
		id = getenv("SMIME_AUTHSERV_ID");
	if (id == NULL || *id == '\0') {
		if (gethostname(host, sizeof(host) - 1) == -1)
			strcpy(host, "localhost");
		id = host;
	}
	if (!valid_id(id))
		xdie(ERR_USAGE, "bad authserv-id '%s': letters, digits, "
		    "'.', '-' and '_' only", id);
	return id;
}

const char *
opts_store_dir(const struct opts *o)
{
	static char *dflt;
	const char *home;

	if (o->store != NULL)
		return o->store;
	if (getenv("SMIME_STORE") != NULL && *getenv("SMIME_STORE") != '\0')
		return getenv("SMIME_STORE");
	if (dflt == NULL) {
		home = getenv("HOME");
		if (home == NULL || *home == '\0')
			xdie(ERR_CONFIG, "no store: set -S, $SMIME_STORE or "
			    "$HOME");
		if (asprintf(&dflt, "%s/.smime", home) == -1)
			xdie(ERR_TEMP, "out of memory");
	}
	return dflt;
}
