/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_ldap: correspondents' certificates in an LDAP directory
 * (store_ldap.h, certstore(5) "THE DIRECTORY"), the table of
 * store_be.h over libldap.
 *
 * One entry per certificate, smimeFingerprint=<fp>,BASE: inetOrgPerson
 * (mail, userCertificate;binary: what mail clients look up) and our
 * auxiliary class smimetoolsCertificate (what .meta records).  An
 * entry counts only if its name, its smimeFingerprint and the
 * fingerprint of its certificate agree; the policy then judges the
 * certificate itself (store_ops.shared).
 *
 * Changes are per entry: a new entry is an add (alreadyExists: somebody
 * was first), a change a modify carrying the RFC 4528 assertion that
 * the values read are still there (assertionFailed: somebody changed
 * it), and either makes commit return 0 for the policy to read again
 * and retry.  A modify adds the new values and deletes exactly the old
 * ones read, never a replace of a whole attribute, so that mirror-mode
 * replication, which replays operations, merges two writers' values
 * instead of keeping one; readers take the greatest time (the least
 * first-seen), and of capabilities the value of the greatest time.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <ldap.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "io.h"
#include "keys.h"
#include "store_dir.h"
#include "store_ldap.h"

#define CONF_MAX	4096		/* the file ldap */
#define URLS_MAX	8		/* servers tried in order */
#define LOOKUP_MAX	256		/* entries one look-up may find */
#define CACHE_MAX	(2 * LOOKUP_MAX)	/* entries read and kept */
#define CERT_MAX	(64 << 10)	/* one value, a certificate's */
#define VALUE_MAX	1024		/* a value of our attributes */
#define VALUES_MAX	64		/* values of one attribute */
#define PAGE		500		/* entries per page of a walk */
#define PASS_MAX	1024
#define ADDRS_MAX_FSCK	64		/* addresses of one certificate */

/*
 * The attributes of what .meta records.  The times are ISO 8601 UTC to
 * the microsecond, one width, so that they compare as strings.
 */
enum { A_FIRST, A_LAST, A_SIGNED, A_PREF, A_CAPS, A_MSGID, A_SOURCE,
	A_META, NATTR };

static const struct {
	const char *attr, *meta;
	int time;
} amap[NATTR] = {
	[A_FIRST] = { "smimeFirstSeen", "first-seen", 1 },
	[A_LAST] = { "smimeLastSeen", "last-seen", 1 },
	[A_SIGNED] = { "smimeSigningTime", "signing-time", 1 },
	[A_PREF] = { "smimeKeyPreference", "key-preference", 1 },
	[A_CAPS] = { "smimeCapabilities", "capabilities", 0 },
	[A_MSGID] = { "smimeMessageId", "message-id", 0 },
	[A_SOURCE] = { "smimeSource", "source", 0 },
	[A_META] = { "smimeMeta", NULL, 0 },
};

#define A_CERT		"userCertificate;binary"
#define A_FP		"smimeFingerprint"

/* The values of an attribute as read: deleted exactly so. */
struct vals {
	char **v;
	size_t *len;
	size_t n;
};

/* An entry as read.  exists without x: there is an entry of that name,
 * but it does not hold that certificate. */
struct ent {
	char fp[FPLEN + 1];
	int exists;
	X509 *x;
	struct vals a[NATTR];
};

/* A staged change of one entry. */
enum op_kind { OP_ADD, OP_MOD, OP_DEL };

struct op {
	enum op_kind kind;
	char *dn;
	LDAPMod **mods;
	size_t nmods;
	char *assert;		/* OP_MOD: the filter the entry must match */
};

struct store_ldap {
	struct store base;
	struct store_ldap_conf conf;
	LDAP *ld;		/* NULL until the first look-up */
	char *server;		/* the URL connected to, for messages */
	LDAP *rld;		/* where ld referred our writes, if it did */
	char *rserver;
	int hopped;		/* ld is itself the referred server */
	int stay;		/* a lost race does not move reads there */
	char *basedn;
	struct ent **cache;	/* read since begin or the last commit */
	size_t ncache;
	struct op *ops;
	size_t nops;
	int tls_failed;		/* ld_try's handshake failed, for ld_connect */
};

static struct store_ldap *
sl(struct store *s)
{
	if (s == NULL || s->ops != &store_ldap_ops)
		xdie(ERR_SOFTWARE, "not a directory server store");
	return (struct store_ldap *)(void *)((char *)s -
	    offsetof(struct store_ldap, base));
}

/*
 * RFC 4515 section 3: '*', '(', ')', '\' and NUL in an assertion value
 * are written \XX.  Every other byte outside printable ASCII goes the
 * same way: an address never has one (addr_norm), a value read back
 * may, and the filter stays text.
 */
void
store_ldap_escape(struct buf *b, const char *p, size_t n)
{
	unsigned char c;
	size_t i;

	buf_add(b, "", 0);
	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '*' || c == '(' || c == ')' || c == '\\' ||
		    c < 0x20 || c >= 0x7f)
			buf_printf(b, "\\%02x", c);
		else
			buf_add(b, &p[i], 1);
	}
}

/*
 * The configuration.
 */
const char *
store_ldap_passin_check(const char *src)
{
	const char *p;

	if (strncmp(src, "file:", 5) == 0)
		return src[5] == '/' ? NULL :
		    "file: takes an absolute path";
	if (strncmp(src, "env:", 4) == 0) {
		for (p = src + 4; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				break;
		return src[4] != '\0' && *p == '\0' ? NULL :
		    "env: takes a variable's name";
	}
	if (strncmp(src, "fd:", 3) == 0) {
		for (p = src + 3; isdigit((unsigned char)*p); p++)
			;
		return src[3] != '\0' && *p == '\0' ? NULL :
		    "fd: takes a number";
	}
	/* pass: too: the file records where the passphrase is, never
	 * the passphrase. */
	return "the passphrase's source is file:PATH, env:NAME or fd:N";
}

/* Where the server part of url ends: the '/' before the base DN. */
static const char *
url_path(const char *url)
{
	const char *p = strstr(url, "://");

	return p != NULL ? strchr(p + 3, '/') : NULL;
}

/* Why u is no URL of ours, or NULL.  deep: also as libldap parses it,
 * which loads libldap (ldap_dl.c). */
static const char *
url_check1(const char *u, int deep, char *why, size_t whysz)
{
	LDAPURLDesc *lud = NULL;
	const char *path = url_path(u);

	if (strncmp(u, "ldap://", 7) != 0 && strncmp(u, "ldaps://", 8) != 0 &&
	    strncmp(u, "ldapi://", 8) != 0)
		snprintf(why, whysz, "'%s': not ldap://, ldaps:// or "
		    "ldapi://", u);
	else if (path == NULL || path[1] == '\0')
		snprintf(why, whysz, "'%s': no base DN (URL/BASE-DN)", u);
	else if (strchr(path, '?') != NULL)
		snprintf(why, whysz, "'%s': only a base DN may follow the "
		    "server", u);
	else if (deep && (ldap_url_parse(u, &lud) != LDAP_URL_SUCCESS ||
	    lud->lud_dn == NULL || *lud->lud_dn == '\0'))
		snprintf(why, whysz, "'%s': not an LDAP URL", u);
	else
		why = NULL;
	if (lud != NULL)
		ldap_free_urldesc(lud);
	return why;
}

static const char *
urls_check(const char *urls, int deep, char *why, size_t whysz)
{
	char *copy = xstrdup(urls), *u, *save = NULL;
	const char *bad = NULL;
	int n = 0;

	for (u = strtok_r(copy, " ", &save); u != NULL && bad == NULL;
	    u = strtok_r(NULL, " ", &save))
		if (++n > URLS_MAX) {
			snprintf(why, whysz, "more than %d URLs", URLS_MAX);
			bad = why;
		} else
			bad = url_check1(u, deep, why, whysz);
	if (bad == NULL && n == 0) {
		snprintf(why, whysz, "no URL");
		bad = why;
	}
	free(copy);
	return bad;
}

const char *
store_ldap_url_check(const char *urls, char *why, size_t whysz)
{
	return urls_check(urls, 1, why, whysz);
}

void
store_ldap_conf_free(struct store_ldap_conf *c)
{
	free(c->url);
	free(c->bind_dn);
	free(c->bind_passin);
	free(c->tls_ca);
	memset(c, 0, sizeof(*c));
}

void
store_ldap_conf_text(const struct store_ldap_conf *c, struct buf *b)
{
	buf_printf(b, "url: %s\n", c->url != NULL ? c->url : "");
	if (c->bind_dn != NULL)
		buf_printf(b, "bind-dn: %s\n", c->bind_dn);
	if (c->bind_passin != NULL)
		buf_printf(b, "bind-passin: %s\n", c->bind_passin);
	if (c->tls_ca != NULL)
		buf_printf(b, "tls-ca: %s\n", c->tls_ca);
	buf_printf(b, "timeout: %d\n", c->timeout);
}

/* One line of the file; dies 78 with it if it is not understood. */
static void
conf_line(struct store_ldap_conf *c, const char *path, int lineno,
    char *l)
{
	static const char *const names[] = { "url", "bind-dn",
		"bind-passin", "tls-ca", "timeout", NULL };
	char why[512], *v = strstr(l, ": "), **field[4];
	struct buf e = { 0 };
	const char *bad = NULL;
	long t;
	int i;

	field[0] = &c->url;
	field[1] = &c->bind_dn;
	field[2] = &c->bind_passin;
	field[3] = &c->tls_ca;
	for (i = 0; v != NULL && names[i] != NULL; i++)
		if ((size_t)(v - l) == strlen(names[i]) &&
		    strncmp(l, names[i], strlen(names[i])) == 0)
			break;
	if (v == NULL || names[i] == NULL)
		bad = "not understood";
	else if (i == 4) {
		errno = 0;
		t = strtol(v + 2, &l, 10);
		if (errno != 0 || *l != '\0' || t < 1 ||
		    t > STORE_LDAP_TIMEOUT_MAX)
			bad = "timeout is 1 to 600 seconds";
		else
			c->timeout = (int)t;
	} else if (*field[i] != NULL)
		bad = "said twice";
	else {
		v += 2;
		/* libldap's parse waits for the connection (ld_connect):
		 * a filter that opens the store and never reaches the
		 * server (smime-verify without --import, smime-sign)
		 * would load libldap, GnuTLS and the rest for nothing. */
		if (i == 0)
			bad = urls_check(v, 0, why, sizeof(why));
		else if (i == 2)
			bad = store_ldap_passin_check(v);
		else if (i == 3 && *v != '/')
			bad = "tls-ca takes an absolute path";
		if (bad == NULL)
			*field[i] = xstrdup(v);
	}
	if (bad == NULL)
		return;
	/* Not the line itself when it names the passphrase's source: a
	 * pass: there would be the passphrase. */
	if (i == 2)
		xdie(ERR_CONFIG, "%s, line %d: bind-passin: %s", path, lineno,
		    bad);
	buf_escape(&e, (const unsigned char *)l, strlen(l));
	xdie(ERR_CONFIG, "%s, line %d: '%s': %s", path, lineno, e.p, bad);
}

int
store_ldap_conf_read(const char *dir, struct store_ldap_conf *c)
{
	char path[PATH_MAX], *text, *l, *nl;
	struct stat st;
	size_t n;
	int lineno = 0;

	memset(c, 0, sizeof(*c));
	c->timeout = STORE_LDAP_TIMEOUT;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	    STORE_LDAP_FILE) >= sizeof(path))
		xdie(ERR_CONFIG, "store path '%s' is too long", dir);
	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		xdie(ERR_CONFIG, "cannot read '%s': %s", path,
		    strerror(errno));
	}
	/* It says which server to trust with our writes: ours alone. */
	if (!S_ISREG(st.st_mode) || (st.st_mode & 022) != 0)
		xdie(ERR_CONFIG, "'%s' must be a regular file that only its "
		    "owner may write (mode 0600)", path);
	if ((text = io_read_file(path, CONF_MAX, &n)) == NULL)
		xdie(ERR_CONFIG, "cannot read '%s': %s", path,
		    strerror(errno));
	if (memchr(text, '\0', n) != NULL)
		xdie(ERR_CONFIG, "'%s' is not text", path);
	for (l = text; *l != '\0'; l = nl) {
		if ((nl = strchr(l, '\n')) != NULL)
			*nl++ = '\0';
		else
			nl = l + strlen(l);
		lineno++;
		if (*l == '\0' || *l == '#')
			continue;
		conf_line(c, path, lineno, l);
	}
	free(text);
	if (c->url == NULL)
		xdie(ERR_CONFIG, "'%s' has no url: line (certstore ldap set)",
		    path);
	if ((c->bind_dn == NULL) != (c->bind_passin == NULL))
		xdie(ERR_CONFIG, "'%s': bind-dn and bind-passin go together",
		    path);
	return 1;
}

/*
 * The connection: the first server of the list that answers and takes
 * our bind.  Failures name the server and libldap's reason.
 */

/* A refusal that retrying will not cure: the configuration's. */
static int
config_error(int rc)
{
	return rc == LDAP_INVALID_CREDENTIALS ||
	    rc == LDAP_INAPPROPRIATE_AUTH || rc == LDAP_STRONG_AUTH_REQUIRED ||
	    rc == LDAP_CONFIDENTIALITY_REQUIRED ||
	    rc == LDAP_INSUFFICIENT_ACCESS || rc == LDAP_AUTH_METHOD_NOT_SUPPORTED;
}

/* "server: reason (the server's message)", escaped, into b. */
/* The server's words, escaped but for their spaces: a diagnostic is
 * prose, and "no\x20such\x20object" reads worse than it protects. */
static void
diag_escape(struct buf *b, const char *diag)
{
	size_t i, n = strnlen(diag, VALUE_MAX);

	for (i = 0; i < n; i++)
		if (diag[i] == ' ')
			buf_puts(b, " ");
		else
			buf_escape(b, (const unsigned char *)diag + i, 1);
}

static void
ld_reason(LDAP *ld, const char *server, int rc, struct buf *b)
{
	char *diag = NULL;

	buf_printf(b, "%s: %s", server, ldap_err2string(rc));
	if (ld != NULL && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE,
	    &diag) == LDAP_OPT_SUCCESS && diag != NULL && *diag != '\0') {
		buf_puts(b, " (");
		diag_escape(b, diag);
		buf_puts(b, ")");
	}
	ldap_memfree(diag);
}

static noreturn void
ld_die(struct store_ldap *l, int rc, const char *what)
{
	struct buf b = { 0 };

	ld_reason(l->ld, l->server, rc, &b);
	xdie(config_error(rc) ? ERR_CONFIG : ERR_TEMP, "%s%s%s", b.p,
	    what != NULL ? ": " : "", what != NULL ? what : "");
}

/* SASL EXTERNAL asks nothing: the socket says who we are. */
static int
sasl_none(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	(void)ld;
	(void)flags;
	(void)defaults;
	(void)in;
	return LDAP_SUCCESS;
}

/* The passphrase's source, read at bind time only and wiped after;
 * one that cannot be read is the configuration's fault (78). */
static size_t
bind_pass(const struct store_ldap_conf *c, char *pass, size_t size)
{
	const char *src = c->bind_passin;

	if (strncmp(src, "env:", 4) == 0 && getenv(src + 4) == NULL)
		xdie(ERR_CONFIG, "bind-passin: $%s is not set", src + 4);
	if (strncmp(src, "file:", 5) == 0 && access(src + 5, R_OK) == -1)
		xdie(ERR_CONFIG, "bind-passin: cannot read '%s': %s",
		    src + 5, strerror(errno));
	return keys_passphrase(src, pass, size);
}

/* Binds ld as the configuration says; the result code. */
static int
ld_bind(struct store_ldap *l, LDAP *ld, int ldapi)
{
	char pass[PASS_MAX];
	struct berval cred;
	int rc;

	if (l->conf.bind_dn != NULL) {
		cred.bv_len = bind_pass(&l->conf, pass, sizeof(pass));
		cred.bv_val = pass;
		rc = ldap_sasl_bind_s(ld, l->conf.bind_dn, LDAP_SASL_SIMPLE,
		    &cred, NULL, NULL, NULL);
		OPENSSL_cleanse(pass, sizeof(pass));
		return rc;
	}
	if (ldapi)
		return ldap_sasl_interactive_bind_s(ld, NULL, "EXTERNAL", NULL,
		    NULL, LDAP_SASL_QUIET, sasl_none, NULL);
	/* Anonymous, but a bind all the same: it makes the connection,
	 * so that a server that does not answer is passed over here. */
	cred.bv_len = 0;
	cred.bv_val = NULL;
	return ldap_sasl_bind_s(ld, NULL, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL);
}

/* Called by libldap once the connection is made and before the TLS
 * handshake: a failure after it is the handshake's. */
static int
tls_began(LDAP *ld, void *ssl, void *ctx, void *arg)
{
	(void)ld;
	(void)ssl;
	(void)ctx;
	*(int *)arg = 1;
	return 0;
}

/* Connects to the server of url; 0, or the result code (*ldp then
 * holds what failed, for its message). */
static int
ld_try(struct store_ldap *l, const char *url, char *server, LDAP **ldp)
{
	struct timeval tv = { l->conf.timeout, 0 };
	int v3 = LDAP_VERSION3, hard = LDAP_OPT_X_TLS_HARD, zero = 0, rc;
	int ldapi = strncmp(url, "ldapi:", 6) == 0, tls = 0;
	int (*began)(LDAP *, void *, void *, void *) = tls_began;
	void *cb;

	*ldp = NULL;
	l->tls_failed = 0;
	if ((rc = ldap_initialize(ldp, server)) != LDAP_SUCCESS)
		return rc;
	if (ldap_set_option(*ldp, LDAP_OPT_PROTOCOL_VERSION, &v3) != 0 ||
	    ldap_set_option(*ldp, LDAP_OPT_NETWORK_TIMEOUT, &tv) != 0 ||
	    ldap_set_option(*ldp, LDAP_OPT_TIMEOUT, &tv) != 0 ||
	    ldap_set_option(*ldp, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != 0)
		return LDAP_LOCAL_ERROR;
	if (l->conf.tls_ca != NULL) {
		/* libldap takes the function as its option's value. */
		memcpy(&cb, &began, sizeof(cb));
		if (ldap_set_option(*ldp, LDAP_OPT_X_TLS_CACERTFILE,
		    l->conf.tls_ca) != 0 ||
		    ldap_set_option(*ldp, LDAP_OPT_X_TLS_REQUIRE_CERT,
		    &hard) != 0 ||
		    ldap_set_option(*ldp, LDAP_OPT_X_TLS_NEWCTX, &zero) != 0 ||
		    ldap_set_option(*ldp, LDAP_OPT_X_TLS_CONNECT_CB, cb) != 0 ||
		    ldap_set_option(*ldp, LDAP_OPT_X_TLS_CONNECT_ARG, &tls) != 0)
			return LDAP_LOCAL_ERROR;
		/* On ldap://, the CA means StartTLS (certstore(1)). */
		if (strncmp(url, "ldap:", 5) == 0 &&
		    (rc = ldap_start_tls_s(*ldp, NULL, NULL)) != LDAP_SUCCESS) {
			l->tls_failed = tls;
			return rc;
		}
	}
	rc = ld_bind(l, *ldp, ldapi);
	/* ldaps://: the handshake comes with the bind's connection. */
	l->tls_failed = rc == LDAP_SERVER_DOWN && tls &&
	    strncmp(url, "ldaps:", 6) == 0;
	return rc;
}

/* libldap over GnuTLS says "unknown error code" for a failed handshake:
 * the line must say TLS failed, and what checked. */
static void
tls_reason(const struct store_ldap *l, struct buf *b)
{
	if (l->tls_failed)
		buf_printf(b, ": TLS handshake failed: no certificate that "
		    "tls-ca %s verifies for this host, or no TLS answer",
		    l->conf.tls_ca);
}

static void
ld_connect(struct store_ldap *l)
{
	char *copy, *u, *save = NULL, *server, w[512];
	struct buf why = { 0 };
	LDAPURLDesc *lud;
	LDAP *ld;
	size_t n;
	int rc;

	/* What conf_line left to libldap: ldap set checked it, unless
	 * the file was edited since. */
	if (urls_check(l->conf.url, 1, w, sizeof(w)) != NULL)
		xdie(ERR_CONFIG, "%s/%s: url: %s", l->base.where,
		    STORE_LDAP_FILE, w);
	copy = xstrdup(l->conf.url);
	for (u = strtok_r(copy, " ", &save); u != NULL;
	    u = strtok_r(NULL, " ", &save)) {
		n = (size_t)(url_path(u) - u);
		server = xmalloc(n + 1);
		memcpy(server, u, n);
		server[n] = '\0';
		rc = ld_try(l, u, server, &ld);
		if (rc == LDAP_SUCCESS &&
		    ldap_url_parse(u, &lud) == LDAP_URL_SUCCESS) {
			l->ld = ld;
			l->server = server;
			l->basedn = xstrdup(lud->lud_dn);
			ldap_free_urldesc(lud);
			free(copy);
			buf_free(&why);
			return;
		}
		if (why.n > 0)
			buf_puts(&why, "; ");
		ld_reason(ld, server, rc, &why);
		tls_reason(l, &why);
		if (ld != NULL)
			ldap_unbind_ext_s(ld, NULL, NULL);
		if (config_error(rc))
			xdie(ERR_CONFIG, "%s (bind as '%s')", why.p,
			    l->conf.bind_dn != NULL ? l->conf.bind_dn :
			    "SASL EXTERNAL");
		free(server);
	}
	xdie(ERR_TEMP, "%s", why.p);
}

static void
ld_need(struct store_ldap *l)
{
	if (l->ld == NULL)
		ld_connect(l);
}

/*
 * Entries as read.
 */
static void
vals_free(struct vals *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	free(v->len);
	memset(v, 0, sizeof(*v));
}

static void
ent_free(struct ent *e)
{
	int i;

	if (e == NULL)
		return;
	X509_free(e->x);
	for (i = 0; i < NATTR; i++)
		vals_free(&e->a[i]);
	free(e);
}

static void
cache_clear(struct store_ldap *l)
{
	size_t i;

	for (i = 0; i < l->ncache; i++)
		ent_free(l->cache[i]);
	l->ncache = 0;
}

static struct ent *
cache_find(struct store_ldap *l, const char *fp)
{
	size_t i;

	for (i = l->ncache; i-- > 0;)
		if (strcmp(l->cache[i]->fp, fp) == 0)
			return l->cache[i];
	return NULL;
}

/* The entry, replacing what was read of it before. */
static void
cache_put(struct store_ldap *l, struct ent *e)
{
	size_t i;

	for (i = 0; i < l->ncache; i++)
		if (strcmp(l->cache[i]->fp, e->fp) == 0) {
			ent_free(l->cache[i]);
			l->cache[i] = e;
			return;
		}
	if (l->ncache == CACHE_MAX)
		cache_clear(l);
	if (l->cache == NULL)
		l->cache = xcalloc(CACHE_MAX, sizeof(*l->cache));
	l->cache[l->ncache++] = e;
}

/* A value larger than any certificate is no answer of a directory of
 * certificates: the server is broken, or is not the one we meant. */
static noreturn void
garbage(struct store_ldap *l, const char *what)
{
	xdie(ERR_TEMP, "%s: %s: not what a directory of certificates "
	    "answers", l->server, what);
}

static void
vals_read(struct store_ldap *l, LDAPMessage *m, const char *attr,
    struct vals *v)
{
	struct berval **bv = ldap_get_values_len(l->ld, m, attr);
	size_t i, n = (size_t)ldap_count_values_len(bv);

	if (n > VALUES_MAX)
		garbage(l, "too many values");
	v->v = xcalloc(n + 1, sizeof(*v->v));
	v->len = xcalloc(n + 1, sizeof(*v->len));
	for (i = 0; i < n; i++) {
		if (bv[i]->bv_len > VALUE_MAX)
			garbage(l, "a value too large");
		v->v[i] = xmalloc(bv[i]->bv_len + 1);
		memcpy(v->v[i], bv[i]->bv_val, bv[i]->bv_len);
		v->v[i][bv[i]->bv_len] = '\0';
		v->len[i] = bv[i]->bv_len;
	}
	v->n = n;
	ldap_value_free_len(bv);
}

/* The fingerprint an entry's name gives, or 0. */
static int
dn_fp(struct store_ldap *l, LDAPMessage *m, char fp[FPLEN + 1])
{
	char *dn = ldap_get_dn(l->ld, m);
	size_t k = strlen(A_FP);
	int ok, i;

	ok = dn != NULL && strncasecmp(dn, A_FP "=", k + 1) == 0 &&
	    strlen(dn) > k + 1 + FPLEN && dn[k + 1 + FPLEN] == ',' &&
	    fp_valid(dn + k + 1, FPLEN);
	for (i = 0; ok && i < FPLEN; i++)
		fp[i] = (char)tolower((unsigned char)dn[k + 1 + i]);
	fp[FPLEN] = '\0';
	ldap_memfree(dn);
	return ok;
}

/*
 * An entry as read.  Its certificate counts only if the entry's name,
 * its smimeFingerprint and the certificate's own fingerprint agree: an
 * entry written by somebody else under another certificate's name is
 * no entry of that certificate.  NULL if its name is no fingerprint.
 */
static struct ent *
ent_read(struct store_ldap *l, LDAPMessage *m)
{
	struct berval **bv;
	const unsigned char *p;
	char got[FPLEN + 1];
	struct ent *e;
	int i, ok;

	e = xcalloc(1, sizeof(*e));
	if (!dn_fp(l, m, e->fp)) {
		free(e);
		return NULL;
	}
	e->exists = 1;
	for (i = 0; i < NATTR; i++)
		vals_read(l, m, amap[i].attr, &e->a[i]);
	bv = ldap_get_values_len(l->ld, m, A_FP);
	ok = ldap_count_values_len(bv) == 1 && bv[0]->bv_len == FPLEN &&
	    strncasecmp(bv[0]->bv_val, e->fp, FPLEN) == 0;
	ldap_value_free_len(bv);
	bv = ldap_get_values_len(l->ld, m, A_CERT);
	if (ldap_count_values_len(bv) > 0 && bv[0]->bv_len > CERT_MAX)
		garbage(l, "a certificate too large");
	if (ok && ldap_count_values_len(bv) == 1) {
		p = (const unsigned char *)bv[0]->bv_val;
		e->x = d2i_X509(NULL, &p, (long)bv[0]->bv_len);
		if (e->x != NULL && (p != (const unsigned char *)
		    bv[0]->bv_val + bv[0]->bv_len ||
		    (cert_fp(e->x, got), strcmp(got, e->fp) != 0))) {
			X509_free(e->x);
			e->x = NULL;
		}
	}
	ldap_value_free_len(bv);
	ERR_clear_error();
	if (e->x == NULL)
		verbosex("%s: the entry of sha256:%s does not hold that "
		    "certificate: ignored", l->server, e->fp);
	return e;
}

static char *attrs_all[] = { A_FP, A_CERT, "smimeFirstSeen",
	"smimeLastSeen", "smimeSigningTime", "smimeKeyPreference",
	"smimeCapabilities", "smimeMessageId", "smimeSource", "smimeMeta",
	NULL };

/* A search: LDAP_SUCCESS, or LDAP_NO_SUCH_OBJECT if the base is not
 * there; anything else dies. */
static int
ld_search(struct store_ldap *l, const char *base, int scope,
    const char *filter, char **attrs, int limit, LDAPControl **ctrls,
    LDAPMessage **res)
{
	struct timeval tv = { l->conf.timeout, 0 };
	int rc;

	*res = NULL;
	rc = ldap_search_ext_s(l->ld, base, scope, filter, attrs, 0, ctrls,
	    NULL, &tv, limit, res);
	if (rc == LDAP_SUCCESS || rc == LDAP_NO_SUCH_OBJECT)
		return rc;
	ldap_msgfree(*res);
	*res = NULL;
	if (rc == LDAP_SIZELIMIT_EXCEEDED)
		garbage(l, "too many entries");
	ld_die(l, rc, NULL);
}

static char *
fp_dn(struct store_ldap *l, const char *fp)
{
	struct buf b = { 0 };

	buf_printf(&b, A_FP "=%s,%s", fp, l->basedn);
	return b.p;
}

/* The entry of fp: from what was read, else from the server. */
static struct ent *
ent_get(struct store_ldap *l, const char *fp)
{
	LDAPMessage *res, *m;
	struct ent *e;
	char *dn;

	if ((e = cache_find(l, fp)) != NULL)
		return e;
	ld_need(l);
	dn = fp_dn(l, fp);
	(void)ld_search(l, dn, LDAP_SCOPE_BASE,
	    "(objectClass=*)", attrs_all, 2, NULL, &res);
	free(dn);
	m = res != NULL ? ldap_first_entry(l->ld, res) : NULL;
	e = m != NULL ? ent_read(l, m) : NULL;
	ldap_msgfree(res);
	if (e == NULL) {
		/* None: remembered as none. */
		e = xcalloc(1, sizeof(*e));
		memcpy(e->fp, fp, FPLEN + 1);
	}
	cache_put(l, e);
	return e;
}

/*
 * The table: look-ups.
 */
static void
hit_add(struct hits *h, struct ent *e)
{
	char *f;

	h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
	memcpy(h->v[h->n].fp, e->fp, FPLEN + 1);
	f = h->v[h->n].flags;
	*f = '\0';
	/* As certstore(5)'s index spells them, from the certificate. */
	if (!cert_can_encrypt(e->x))
		strcat(f, "no-encrypt");
	if (cert_is_ca(e->x))
		strcat(f, *f != '\0' ? ",ca" : "ca");
	h->n++;
}

static void
sl_lookup(struct store *s, const char *key, struct hits *h)
{
	struct store_ldap *l = sl(s);
	struct buf f = { 0 };
	LDAPMessage *res, *m;
	struct ent *e;
	int isca = strncmp(key, "ca:", 3) == 0;

	memset(h, 0, sizeof(*h));
	ld_need(l);
	/* One indexed search, the whole entries: load and facts then
	 * read what it found. */
	buf_printf(&f, "(&(objectClass=smimetoolsCertificate)(%s=",
	    isca ? "smimeSubjectHash" : "mail");
	store_ldap_escape(&f, key, strlen(key));
	buf_puts(&f, "))");
	if (ld_search(l, l->basedn, LDAP_SCOPE_ONELEVEL, f.p, attrs_all,
	    LOOKUP_MAX, NULL, &res) == LDAP_NO_SUCH_OBJECT)
		xdie(ERR_CONFIG, "%s: the base DN '%s' is not in the "
		    "directory", l->server, l->basedn);
	for (m = ldap_first_entry(l->ld, res); m != NULL;
	    m = ldap_next_entry(l->ld, m)) {
		if ((e = ent_read(l, m)) == NULL)
			continue;
		cache_put(l, e);
		if (e->x != NULL)
			hit_add(h, e);
	}
	ldap_msgfree(res);
	buf_free(&f);
}

static X509 *
sl_load(struct store *s, const char *fp)
{
	struct ent *e = ent_get(sl(s), fp);

	if (e->x == NULL)
		return NULL;
	X509_up_ref(e->x);
	return e->x;
}

/* A time as the store writes it, so that times compare as strings. */
static int
iso_ok(const char *v, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	size_t i;

	if (n != sizeof(shape) - 1)
		return 0;
	for (i = 0; i < n; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)v[i]) :
		    v[i] != shape[i])
			return 0;
	return 1;
}

/* Printable ASCII, no NUL: fit for a .meta line. */
static int
text_ok(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f)
			return 0;
	return 1;
}

/* The value a reader takes of a time attribute: the greatest (the
 * least for first-seen, which only a race writes twice); NULL if none. */
static const char *
time_pick(const struct vals *v, int least)
{
	const char *best = NULL;
	size_t i;

	for (i = 0; i < v->n; i++)
		if (iso_ok(v->v[i], v->len[i]) && (best == NULL ||
		    (strcmp(v->v[i], best) < 0) == least))
			best = v->v[i];
	return best;
}

/* Of the capabilities, the value of the greatest time; its list after
 * the time into *list. */
static const char *
caps_pick(const struct vals *v, const char **list)
{
	const char *best = NULL;
	size_t i;

	*list = NULL;
	for (i = 0; i < v->n; i++) {
		if (v->len[i] < 27 || !iso_ok(v->v[i], 27) ||
		    (v->v[i][27] != ' ' && v->v[i][27] != '\0') ||
		    !text_ok(v->v[i], v->len[i]))
			continue;
		if (best == NULL || strncmp(v->v[i], best, 27) > 0)
			best = v->v[i];
	}
	if (best != NULL)
		*list = best[27] == ' ' ? best + 28 : best + 27;
	return best;
}

/* Which meta names the attributes carry: smimeMeta carries others. */
static int
meta_known(const char *name, size_t n)
{
	int i;

	for (i = 0; i < NATTR; i++)
		if (amap[i].meta != NULL && strlen(amap[i].meta) == n &&
		    strncmp(amap[i].meta, name, n) == 0)
			return 1;
	return 0;
}

static void
ent_meta(const struct ent *e, struct meta *m)
{
	const char *v, *c;
	char name[64];
	size_t i;
	int a;

	memset(m, 0, sizeof(*m));
	for (a = 0; a < NATTR; a++) {
		if (amap[a].time) {
			if ((v = time_pick(&e->a[a], a == A_FIRST)) != NULL)
				(void)meta_set(m, amap[a].meta, v);
		} else if (a == A_CAPS) {
			if (caps_pick(&e->a[a], &v) != NULL)
				(void)meta_set(m, amap[a].meta, v);
		} else if (a != A_META) {
			if (e->a[a].n > 0 && text_ok(e->a[a].v[0],
			    e->a[a].len[0]))
				(void)meta_set(m, amap[a].meta, e->a[a].v[0]);
		}
	}
	/* Lines a newer version wrote: kept, unless they pose as ours. */
	for (i = 0; i < e->a[A_META].n; i++) {
		v = e->a[A_META].v[i];
		if (!text_ok(v, e->a[A_META].len[i]) ||
		    (c = strstr(v, ": ")) == NULL || c == v ||
		    (size_t)(c - v) >= sizeof(name) || meta_known(v,
		    (size_t)(c - v)))
			continue;
		memcpy(name, v, (size_t)(c - v));
		name[c - v] = '\0';
		(void)meta_set(m, name, c + 2);
	}
}

static int
sl_facts(struct store *s, const char *fp, struct meta *m)
{
	struct ent *e = ent_get(sl(s), fp);
	int a, have = 0;

	ent_meta(e, m);
	for (a = 0; a < NATTR; a++)
		if (e->a[a].n > 0)
			have = STORE_PUT_META;
	return (e->x != NULL ? STORE_PUT_CERT : 0) | have;
}

/*
 * The walk: every entry of our class, a page at a time (RFC 2696), the
 * names only; fn is called after the last page, so that it may read
 * and stage as it likes.
 */
/*
 * Every entry of our class, a page at a time (a server's size limit
 * applies to one page, not to the whole), each handed to fn.
 */
static void
paged(struct store_ldap *l, char **attrs,
    void (*fn)(struct store_ldap *, LDAPMessage *, void *), void *arg)
{
	struct berval cookie = { 0, NULL };
	LDAPControl *pc, *ctrls[2] = { NULL, NULL }, **rctrls, *c;
	LDAPMessage *res, *m;
	ber_int_t count;
	int rc, err;

	ld_need(l);
	do {
		if ((rc = ldap_create_page_control(l->ld, PAGE, &cookie, 0,
		    &pc)) != LDAP_SUCCESS)
			ld_die(l, rc, "paged results");
		ctrls[0] = pc;
		rc = ld_search(l, l->basedn, LDAP_SCOPE_ONELEVEL,
		    "(objectClass=smimetoolsCertificate)", attrs, 0, ctrls,
		    &res);
		ldap_control_free(pc);
		ber_memfree(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		if (rc == LDAP_NO_SUCH_OBJECT)
			xdie(ERR_CONFIG, "%s: the base DN '%s' is not in the "
			    "directory", l->server, l->basedn);
		for (m = ldap_first_entry(l->ld, res); m != NULL;
		    m = ldap_next_entry(l->ld, m))
			fn(l, m, arg);
		rctrls = NULL;
		if ((rc = ldap_parse_result(l->ld, res, &err, NULL, NULL, NULL,
		    &rctrls, 0)) != LDAP_SUCCESS)
			ld_die(l, rc, NULL);
		c = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
		if (c != NULL && ldap_parse_pageresponse_control(l->ld, c,
		    &count, &cookie) != LDAP_SUCCESS)
			garbage(l, "paged results");
		ldap_controls_free(rctrls);
		ldap_msgfree(res);
	} while (cookie.bv_val != NULL && cookie.bv_len > 0);
	ber_memfree(cookie.bv_val);
}

/* The walk's fingerprints are collected first and fn called after
 * the last page, so that what fn does (a look-up, a change) never
 * runs between the pages of one search. */
static void
walk_entry(struct store_ldap *l, LDAPMessage *m, void *arg)
{
	struct fps *f = arg;
	char fp[FPLEN + 1];

	if (dn_fp(l, m, fp))
		fps_push(f, fp);
}

static void
sl_walk(struct store *s, enum store_set set,
    void (*fn)(struct store *, const char *, void *), void *arg)
{
	static char *attrs[] = { A_FP, NULL };
	struct store_ldap *l = sl(s);
	struct fps f = { 0 };
	size_t i;

	if (set == STORE_IDENTITIES) {
		s->local->ops->walk(s->local, set, fn, arg);
		return;
	}
	paged(l, attrs, walk_entry, &f);
	for (i = 0; i < f.n; i++)
		fn(s, f.v[i], arg);
	free(f.v);
}

/*
 * Changes.
 */
static void
ops_clear(struct store_ldap *l)
{
	size_t i;

	for (i = 0; i < l->nops; i++) {
		free(l->ops[i].dn);
		ldap_mods_free(l->ops[i].mods, 0);
		free(l->ops[i].mods);
		free(l->ops[i].assert);
	}
	free(l->ops);
	l->ops = NULL;
	l->nops = 0;
}

static struct op *
op_new(struct store_ldap *l, enum op_kind kind, const char *fp)
{
	struct op *o;

	l->ops = xrealloc(l->ops, (l->nops + 1) * sizeof(*l->ops));
	o = &l->ops[l->nops++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->dn = fp_dn(l, fp);
	o->mods = xcalloc(1, sizeof(*o->mods));
	return o;
}

/* A value to add or delete: with the mod of its type and operation,
 * made with libldap's allocator (ldap_mods_free releases them). */
static void
mod_val(struct op *o, int op, const char *type, const void *p, size_t n)
{
	struct berval *bv;
	LDAPMod *m = NULL;
	size_t i, k;

	for (i = 0; i < o->nmods && m == NULL; i++)
		if (o->mods[i]->mod_op == (op | LDAP_MOD_BVALUES) &&
		    strcmp(o->mods[i]->mod_type, type) == 0)
			m = o->mods[i];
	if (m == NULL) {
		o->mods = xrealloc(o->mods, (o->nmods + 2) * sizeof(*o->mods));
		if ((m = ber_memcalloc(1, sizeof(*m))) == NULL ||
		    (m->mod_type = ber_strdup(type)) == NULL)
			xdie(ERR_TEMP, "out of memory");
		m->mod_op = op | LDAP_MOD_BVALUES;
		o->mods[o->nmods++] = m;
		o->mods[o->nmods] = NULL;
	}
	for (k = 0; m->mod_bvalues != NULL && m->mod_bvalues[k] != NULL; k++)
		;
	if ((m->mod_bvalues = ber_memrealloc(m->mod_bvalues, (k + 2) *
	    sizeof(*m->mod_bvalues))) == NULL ||
	    (bv = ber_mem2bv((const char *)p, n, 1, NULL)) == NULL)
		xdie(ERR_TEMP, "out of memory");
	m->mod_bvalues[k] = bv;
	m->mod_bvalues[k + 1] = NULL;
}

static void
mod_str(struct op *o, int op, const char *type, const char *v)
{
	mod_val(o, op, type, v, strlen(v));
}

/* The assertion of a modify: each value read is still there, or, for
 * an attribute that had none, still none. */
static void
assert_vals(struct buf *b, const char *attr, const struct vals *v)
{
	size_t i;

	if (v->n == 0)
		buf_printf(b, "(!(%s=*))", attr);
	for (i = 0; i < v->n; i++) {
		buf_printf(b, "(%s=", attr);
		store_ldap_escape(b, v->v[i], v->len[i]);
		buf_puts(b, ")");
	}
}

/* Replace the values read of attribute a with want: add it, delete
 * exactly those read, assert them. */
static void
mod_swap(struct op *o, struct buf *as, const struct ent *e, int a,
    const char *want)
{
	size_t i;

	/* The delete first: a single-valued attribute never holds two. */
	for (i = 0; i < e->a[a].n; i++)
		mod_val(o, LDAP_MOD_DELETE, amap[a].attr, e->a[a].v[i],
		    e->a[a].len[i]);
	mod_str(o, LDAP_MOD_ADD, amap[a].attr, want);
	assert_vals(as, amap[a].attr, &e->a[a]);
}

/*
 * The time a capabilities value is written with: the signing time of
 * the signature that brought them, if the record has one, else the
 * latest time it knows.  Readers take the value of the greatest time,
 * and two mirrors merge two writers' values: with arrival times, an
 * older signature read on a mirror that had not yet heard of a newer
 * one would win by arriving later.
 */
static const char *
caps_time(const struct meta *m)
{
	const char *t = NULL, *v;
	int a;

	if ((v = meta_get(m, amap[A_SIGNED].meta)) != NULL &&
	    iso_ok(v, strlen(v)))
		return v;
	for (a = 0; a < NATTR; a++)
		if (amap[a].time && (v = meta_get(m, amap[a].meta)) != NULL &&
		    iso_ok(v, strlen(v)) && (t == NULL || strcmp(v, t) > 0))
			t = v;
	return t;
}

/* The attributes of what m records, for a new entry. */
static void
meta_attrs(struct op *o, const struct meta *m)
{
	const char *v, *t;
	struct buf b = { 0 };
	size_t i, n;
	int a;

	for (a = 0; a < NATTR; a++)
		if (amap[a].meta != NULL && a != A_CAPS &&
		    (v = meta_get(m, amap[a].meta)) != NULL)
			mod_str(o, LDAP_MOD_ADD, amap[a].attr, v);
	if ((v = meta_get(m, "capabilities")) != NULL &&
	    (t = caps_time(m)) != NULL) {
		buf_printf(&b, "%s %s", t, v);
		mod_str(o, LDAP_MOD_ADD, amap[A_CAPS].attr, b.p);
	}
	for (i = 0; i < m->n; i++) {
		n = strcspn(m->line[i], ":");
		if (!meta_known(m->line[i], n))
			mod_str(o, LDAP_MOD_ADD, amap[A_META].attr,
			    m->line[i]);
	}
	buf_free(&b);
}

/* A new entry: the certificate, what clients look up, what m says. */
static void
stage_add(struct store_ldap *l, X509 *x, const char *fp,
    const struct meta *m)
{
	struct op *o = op_new(l, OP_ADD, fp);
	char key[ADDR_MAX + 1], na[21], hash[16], *cn = NULL;
	unsigned char *der = NULL;
	struct addrs a;
	size_t i;
	int n;

	mod_str(o, LDAP_MOD_ADD, "objectClass", "top");
	mod_str(o, LDAP_MOD_ADD, "objectClass", "inetOrgPerson");
	mod_str(o, LDAP_MOD_ADD, "objectClass", "smimetoolsCertificate");
	mod_str(o, LDAP_MOD_ADD, A_FP, fp);
	mod_str(o, LDAP_MOD_ADD, "sn", fp);
	cert_addrs(x, &a);
	for (i = 0; i < a.n; i++) {
		if (!addr_norm(a.v[i].p, a.v[i].n, key))
			continue;
		if (cn == NULL)
			cn = xstrdup(key);
		mod_str(o, LDAP_MOD_ADD, "mail", key);
	}
	addrs_free(&a);
	mod_str(o, LDAP_MOD_ADD, "cn", cn != NULL ? cn : fp);
	free(cn);
	if ((n = i2d_X509(x, &der)) <= 0)
		xdie_ssl(ERR_TEMP, "cannot encode a certificate");
	mod_val(o, LDAP_MOD_ADD, A_CERT, der, (size_t)n);
	OPENSSL_free(der);
	iso_asn1(X509_get0_notAfter(x), na);
	mod_str(o, LDAP_MOD_ADD, "smimeNotAfter", na);
	if (cert_is_ca(x)) {
		mod_str(o, LDAP_MOD_ADD, "smimeFlags", "ca");
		snprintf(hash, sizeof(hash), "ca:%08lx",
		    X509_subject_name_hash(x));
		mod_str(o, LDAP_MOD_ADD, "smimeSubjectHash", hash);
	}
	if (!cert_can_encrypt(x))
		mod_str(o, LDAP_MOD_ADD, "smimeFlags", "no-encrypt");
	meta_attrs(o, m);
}

/* A change of an entry that holds the certificate: what differs
 * between what was read (e) and m, value by value. */
static void
stage_mod(struct store_ldap *l, const struct ent *e, const struct meta *m)
{
	struct op *o = op_new(l, OP_MOD, e->fp);
	struct buf as = { 0 }, b = { 0 };
	const char *want, *cur, *cval, *list, *t;
	size_t i, k, n;
	int a, have;

	buf_puts(&as, "(&");
	for (a = 0; a < NATTR; a++) {
		if (amap[a].meta == NULL || a == A_CAPS ||
		    (want = meta_get(m, amap[a].meta)) == NULL)
			continue;
		for (have = 0, i = 0; i < e->a[a].n && !have; i++)
			have = strcmp(e->a[a].v[i], want) == 0;
		if (!have)
			mod_swap(o, &as, e, a, want);
	}
	want = meta_get(m, "capabilities");
	cval = caps_pick(&e->a[A_CAPS], &list);
	cur = cval != NULL ? list : NULL;
	/* The same list from a newer signature is written too: its time
	 * is what makes it outweigh an older one another mirror wrote. */
	if (want != NULL && (t = caps_time(m)) != NULL && (cur == NULL ||
	    strcmp(want, cur) != 0 || strncmp(t, cval, 27) > 0)) {
		buf_printf(&b, "%s %s", t, want);
		mod_swap(o, &as, e, A_CAPS, b.p);
	}
	/* Lines of a newer version: those m no longer has go, new go in. */
	for (i = 0; i < m->n; i++) {
		n = strcspn(m->line[i], ":");
		if (meta_known(m->line[i], n))
			continue;
		for (have = 0, k = 0; k < e->a[A_META].n && !have; k++)
			have = strcmp(e->a[A_META].v[k], m->line[i]) == 0;
		if (!have) {
			mod_str(o, LDAP_MOD_ADD, amap[A_META].attr,
			    m->line[i]);
			buf_printf(&as, "(!(%s=", amap[A_META].attr);
			store_ldap_escape(&as, m->line[i], strlen(m->line[i]));
			buf_puts(&as, "))");
		}
	}
	buf_puts(&as, ")");
	buf_free(&b);
	if (o->nmods == 0) {
		/* Nothing differs. */
		free(o->dn);
		free(o->mods);
		l->nops--;
		buf_free(&as);
		return;
	}
	o->assert = as.p;
}

static void
sl_begin(struct store *s, struct store_version *v)
{
	struct store_ldap *l = sl(s);

	/* Every change is checked entry by entry at commit: the version
	 * says nothing, and what was read before is read again. */
	ops_clear(l);
	cache_clear(l);
	snprintf(v->v, sizeof(v->v), "entries");
}

static void
sl_put(struct store *s, X509 *x, const struct meta *m, int what)
{
	struct store_ldap *l = sl(s);
	char fp[FPLEN + 1];
	struct ent *e;

	(void)what;
	cert_fp(x, fp);
	/* What facts read, which the policy's m was made from. */
	e = ent_get(l, fp);
	if (e->x != NULL) {
		stage_mod(l, e, m);
		return;
	}
	/* An entry of that name not holding the certificate is garbage
	 * somebody wrote: ours takes its place. */
	if (e->exists)
		(void)op_new(l, OP_DEL, fp);
	stage_add(l, x, fp, m);
}

static void
sl_drop(struct store *s, const char *fp)
{
	(void)op_new(sl(s), OP_DEL, fp);
}

/*
 * Writes through a read-only replica.  A consumer answers a change with
 * a referral (LDAP_REFERRAL) to the server that takes writes; the change
 * goes there, bound as we bind, one hop at most.  Reads are never
 * referred: they stay on the nearest server.
 */

/* Was the connection to url protected: TLS (ldaps://, or StartTLS on
 * ldap:// with a CA), or a local socket, where nothing is on a wire? */
static int
url_protected(const struct store_ldap *l, const char *url)
{
	return strncmp(url, "ldaps:", 6) == 0 ||
	    strncmp(url, "ldapi:", 6) == 0 ||
	    (strncmp(url, "ldap:", 5) == 0 && l->conf.tls_ca != NULL);
}

/* Will the connection to url be protected by TLS?  A local socket
 * counts only for a local socket: a directory that names one names
 * something on this host. */
static int
url_tls(const struct store_ldap *l, const char *url)
{
	return strncmp(url, "ldaps:", 6) == 0 ||
	    (strncmp(url, "ldap:", 5) == 0 && l->conf.tls_ca != NULL);
}

/* Sends o on ld and waits for its result (the connection's timeout):
 * the result code, and if it is LDAP_REFERRAL the referral's URLs
 * (*refs, for refs_free). */
static int
op_send(LDAP *ld, struct op *o, LDAPControl **ctrls, char ***refs)
{
	int rc;

	*refs = NULL;
	switch (o->kind) {
	case OP_DEL:
		rc = ldap_delete_ext_s(ld, o->dn, NULL, NULL);
		break;
	case OP_ADD:
		rc = ldap_add_ext_s(ld, o->dn, o->mods, NULL, NULL);
		break;
	default:
		rc = ldap_modify_ext_s(ld, o->dn, o->mods, ctrls, NULL);
		break;
	}
	if (rc == LDAP_REFERRAL && ldap_get_option(ld, LDAP_OPT_REFERRAL_URLS,
	    refs) != LDAP_OPT_SUCCESS)
		*refs = NULL;
	return rc;
}

static void
refs_free(char **refs)
{
	size_t i;

	for (i = 0; refs != NULL && refs[i] != NULL; i++)
		ldap_memfree(refs[i]);
	ldap_memfree(refs);
}

/* Connects and binds to the server a referral names (its first
 * ldap://, ldaps:// or ldapi:// URL), or dies 75 saying why not. */
static void
ref_connect(struct store_ldap *l, char **refs)
{
	char *server = NULL;
	struct buf e = { 0 };
	const char *p;
	size_t i, n;
	int rc;

	for (i = 0; refs != NULL && refs[i] != NULL && server == NULL; i++) {
		p = refs[i];
		if ((strncmp(p, "ldap://", 7) != 0 &&
		    strncmp(p, "ldaps://", 8) != 0 &&
		    strncmp(p, "ldapi://", 8) != 0) ||
		    !text_ok(p, strlen(p)) || strchr(p, ' ') != NULL)
			continue;
		/* The server alone: our base and names stay ours, whatever
		 * DN the referral carries. */
		n = url_path(p) != NULL ? (size_t)(url_path(p) - p) :
		    strcspn(p, "?");
		server = xmalloc(n + 1);
		memcpy(server, p, n);
		server[n] = '\0';
	}
	if (server == NULL) {
		/* What the server said, escaped: it goes to the log. */
		if (refs != NULL && refs[0] != NULL)
			buf_escape(&e, (const unsigned char *)refs[0],
			    strnlen(refs[0], VALUE_MAX));
		xdie(ERR_TEMP, "%s: refers our writes to '%s': not an "
		    "ldap://, ldaps:// or ldapi:// URL", l->server,
		    e.p != NULL ? e.p : "");
	}
	if (l->hopped)
		xdie(ERR_TEMP, "%s: refers our writes on to %s: one referral "
		    "is followed, not two", l->server, server);
	/* Our credentials go where a directory said, not where we were
	 * told: never in the clear if we would not have sent them so. */
	if (url_protected(l, l->server) && !url_tls(l, server) &&
	    !(strncmp(l->server, "ldapi:", 6) == 0 &&
	    strncmp(server, "ldapi:", 6) == 0))
		xdie(ERR_TEMP, "%s refers our writes to %s, which would not "
		    "be protected by TLS as %s is: not followed", l->server,
		    server, l->server);
	verbosex("%s: writes referred to %s", l->server, server);
	if ((rc = ld_try(l, server, server, &l->rld)) != LDAP_SUCCESS) {
		struct buf b = { 0 };

		ld_reason(l->rld, server, rc, &b);
		tls_reason(l, &b);
		xdie(config_error(rc) ? ERR_CONFIG : ERR_TEMP,
		    "%s (referred to by %s)", b.p, l->server);
	}
	l->rserver = server;
}

/* The referred server becomes the one read too: a change lost there
 * is read again where it is written, not from a replica that may not
 * have caught up. */
static void
ref_adopt(struct store_ldap *l)
{
	ldap_unbind_ext_s(l->ld, NULL, NULL);
	free(l->server);
	l->ld = l->rld;
	l->server = l->rserver;
	l->rld = NULL;
	l->rserver = NULL;
	l->hopped = 1;
}

/* 1 done, 0 lost a race (the policy reads again), else dies. */
static int
op_apply(struct store_ldap *l, struct op *o)
{
	LDAPControl *ctrl = NULL, *ctrls[2] = { NULL, NULL };
	const char *server = l->server;
	LDAP *ld = l->ld;
	char **refs;
	int rc, lost;

	if (o->kind == OP_MOD) {
		if ((rc = ldap_create_assertion_control(l->ld, o->assert, 1,
		    &ctrl)) != LDAP_SUCCESS)
			ld_die(l, rc, "assertion control");
		ctrls[0] = ctrl;
	}
	if (l->rld != NULL) {
		/* Referred before: straight there. */
		ld = l->rld;
		server = l->rserver;
		rc = op_send(ld, o, ctrls, &refs);
	} else if ((rc = op_send(ld, o, ctrls, &refs)) == LDAP_REFERRAL) {
		ref_connect(l, refs);
		refs_free(refs);
		ld = l->rld;
		server = l->rserver;
		rc = op_send(ld, o, ctrls, &refs);
	}
	refs_free(refs);
	ldap_control_free(ctrl);
	if (rc == LDAP_REFERRAL)
		xdie(ERR_TEMP, "%s: refers our writes on (from %s): one "
		    "referral is followed, not two", server, l->server);
	if (o->kind == OP_DEL && rc == LDAP_NO_SUCH_OBJECT)
		rc = LDAP_SUCCESS;
	lost = (o->kind == OP_ADD && rc == LDAP_ALREADY_EXISTS) ||
	    (o->kind == OP_MOD && (rc == LDAP_ASSERTION_FAILED ||
	    rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_NO_SUCH_ATTRIBUTE ||
	    rc == LDAP_TYPE_OR_VALUE_EXISTS));
	if (lost) {
		if (ld == l->rld && !l->stay)
			ref_adopt(l);
		return 0;
	}
	if (rc != LDAP_SUCCESS) {
		struct buf b = { 0 };

		ld_reason(ld, server, rc, &b);
		xdie(config_error(rc) ? ERR_CONFIG : ERR_TEMP, "%s: %s%s%s",
		    b.p, o->dn, ld != l->ld ? ", referred to by " : "",
		    ld != l->ld ? l->server : "");
	}
	return 1;
}

static int
sl_commit(struct store *s, const struct store_version *v)
{
	struct store_ldap *l = sl(s);
	size_t i;
	int ok = 1;

	(void)v;
	if (l->nops > 0)
		ld_need(l);
	for (i = 0; i < l->nops && ok; i++)
		ok = op_apply(l, &l->ops[i]);
	ops_clear(l);
	cache_clear(l);
	return ok;
}

/*
 * fsck: every entry of our class, a page at a time, checked against its
 * own certificate.  What the certificate determines (mail, the subject
 * hash, notAfter, the flags) is repaired; so is a time with several
 * values, kept to the one readers take.  No entry is ever deleted: in a
 * shared directory it may be another gateway's, and certstore remove
 * says whose it is to delete.
 */
struct fsck {
	struct store_ldap *l;
	int repair, left, fixed, n;
};

/* The values of attr in m, a NULL-terminated set of strings. */
static void
fsck_vals(struct store_ldap *l, LDAPMessage *m, const char *attr,
    struct vals *v)
{
	struct berval **bv = ldap_get_values_len(l->ld, m, attr);
	size_t i, n = (size_t)ldap_count_values_len(bv);

	v->v = xcalloc(n + 1, sizeof(*v->v));
	v->len = xcalloc(n + 1, sizeof(*v->len));
	for (i = 0; i < n; i++) {
		v->len[i] = bv[i]->bv_len;
		v->v[i] = xmalloc(v->len[i] + 1);
		memcpy(v->v[i], bv[i]->bv_val, v->len[i]);
		v->v[i][v->len[i]] = '\0';
	}
	v->n = n;
	ldap_value_free_len(bv);
}

static int
vals_has(const struct vals *v, const char *s, int icase)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->len[i] == strlen(s) && (icase ?
		    strcasecmp(v->v[i], s) : strcmp(v->v[i], s)) == 0)
			return 1;
	return 0;
}

/* Makes attribute attr hold exactly want[0..nwant-1] (compared as
 * icase says): reports and, repairing, stages the values to add and
 * delete.  The number of differences. */
static int
fsck_set(struct fsck *f, struct op *o, struct buf *as, const char *dn,
    const char *attr, const struct vals *have, char **want, size_t nwant,
    int icase)
{
	struct vals w = { want, NULL, nwant };
	size_t i;
	int n = 0;

	w.len = xcalloc(nwant + 1, sizeof(*w.len));
	for (i = 0; i < nwant; i++)
		w.len[i] = strlen(want[i]);
	for (i = 0; i < have->n; i++)
		if (!vals_has(&w, have->v[i], icase)) {
			warnx("%s: %s: %s '%.*s' is not the certificate's",
			    f->l->server, dn, attr, (int)strnlen(have->v[i],
			    VALUE_MAX), have->v[i]);
			n++;
			if (o != NULL)
				mod_val(o, LDAP_MOD_DELETE, attr, have->v[i],
				    have->len[i]);
		}
	for (i = 0; i < nwant; i++)
		if (!vals_has(have, want[i], icase)) {
			warnx("%s: %s: %s '%s' is missing", f->l->server, dn,
			    attr, want[i]);
			n++;
			if (o != NULL)
				mod_str(o, LDAP_MOD_ADD, attr, want[i]);
		}
	if (n > 0 && o != NULL)
		assert_vals(as, attr, have);
	free(w.len);
	return n;
}

/* A time (or the capabilities) with values readers pass over or more
 * than one: repairing, the one they take stays alone (*fix: the values
 * that go).  Several good values are no problem (readers agree on one);
 * the problems left are returned. */
static int
fsck_time(struct fsck *f, struct op *o, struct buf *as, const char *dn,
    int a, const struct vals *v, int *fix)
{
	const char *keep, *list;
	size_t i;
	int bad = 0;

	keep = a == A_CAPS ? caps_pick(v, &list) : time_pick(v, a == A_FIRST);
	for (i = 0; i < v->n; i++)
		if (v->v[i] != keep && (a == A_CAPS ? v->len[i] < 27 ||
		    !iso_ok(v->v[i], 27) : !iso_ok(v->v[i], v->len[i]))) {
			warnx("%s: %s: %s '%.*s' is not a time", f->l->server,
			    dn, amap[a].attr, (int)strnlen(v->v[i], 64),
			    v->v[i]);
			bad++;
		}
	if (v->n <= 1)
		return bad;
	if (o == NULL || keep == NULL) {
		warnx("%s: %s: %zu values of %s (readers take %s)",
		    f->l->server, dn, v->n, amap[a].attr, keep == NULL ?
		    "none" : a == A_FIRST ? "the least" : "the greatest");
		return bad;
	}
	for (i = 0; i < v->n; i++)
		if (v->v[i] != keep)
			mod_val(o, LDAP_MOD_DELETE, amap[a].attr, v->v[i],
			    v->len[i]);
	assert_vals(as, amap[a].attr, v);
	verbosex("%s: %s: %s: %zu values kept to the one readers take",
	    f->l->server, dn, amap[a].attr, v->n);
	*fix += bad > 0 ? bad : 1;
	return 0;
}

static void
fsck_entry(struct fsck *f, LDAPMessage *m)
{
	struct store_ldap *l = f->l;
	char *dn = ldap_get_dn(l->ld, m), fp[FPLEN + 1], got[FPLEN + 1];
	char na[21], hash[16], *want[ADDRS_MAX_FSCK], key[ADDR_MAX + 1];
	struct vals v = { 0 }, cert = { 0 };
	struct buf as = { 0 };
	struct op *o = NULL;
	const unsigned char *p;
	struct addrs ad;
	X509 *x = NULL;
	size_t i, k, nw;
	int a, n, probs = 0, repairs = 0, fix = 0;

	if (dn == NULL)
		garbage(l, "an entry without a name");
	if (!dn_fp(l, m, fp)) {
		warnx("%s: %s: the name is not smimeFingerprint=<sha-256 of "
		    "the certificate>", l->server, dn);
		f->left++;
		goto out;
	}
	fsck_vals(l, m, A_FP, &v);
	if (v.n != 1 || strcasecmp(v.v[0], fp) != 0) {
		warnx("%s: %s: smimeFingerprint is not the name's", l->server,
		    dn);
		probs++;
	}
	vals_free(&v);
	fsck_vals(l, m, A_CERT, &cert);
	if (cert.n == 0) {
		warnx("%s: %s: no certificate", l->server, dn);
		f->left++;
		goto out;
	}
	p = (const unsigned char *)cert.v[0];
	if (cert.n == 1)
		x = d2i_X509(NULL, &p, (long)cert.len[0]);
	ERR_clear_error();
	if (x == NULL || p != (const unsigned char *)cert.v[0] + cert.len[0] ||
	    (cert_fp(x, got), strcmp(got, fp) != 0)) {
		warnx("%s: %s: %s", l->server, dn, cert.n > 1 ?
		    "more than one certificate" : x == NULL ?
		    "the certificate does not parse" :
		    "the certificate is not the one its name says");
		f->left += 1 + probs;
		goto out;
	}
	/* The certificate is the name's: what it determines can be set
	 * from it.  One modify, asserting every value it replaces. */
	if (f->repair && probs == 0) {
		o = op_new(l, OP_MOD, fp);
		buf_puts(&as, "(&");
	}
	cert_addrs(x, &ad);
	for (nw = 0, i = 0; i < ad.n && nw < ADDRS_MAX_FSCK; i++) {
		if (!addr_norm(ad.v[i].p, ad.v[i].n, key))
			continue;
		for (k = 0; k < nw && strcasecmp(want[k], key) != 0; k++)
			;
		if (k == nw)
			want[nw++] = xstrdup(key);
	}
	addrs_free(&ad);
	fsck_vals(l, m, "mail", &v);
	n = fsck_set(f, o, &as, dn, "mail", &v, want, nw, 1);
	for (i = 0; i < nw; i++)
		free(want[i]);
	vals_free(&v);
	repairs += n;
	nw = 0;
	if (cert_is_ca(x)) {
		snprintf(hash, sizeof(hash), "ca:%08lx",
		    X509_subject_name_hash(x));
		want[nw++] = hash;
	}
	fsck_vals(l, m, "smimeSubjectHash", &v);
	repairs += fsck_set(f, o, &as, dn, "smimeSubjectHash", &v, want, nw,
	    1);
	vals_free(&v);
	iso_asn1(X509_get0_notAfter(x), na);
	want[0] = na;
	fsck_vals(l, m, "smimeNotAfter", &v);
	repairs += fsck_set(f, o, &as, dn, "smimeNotAfter", &v, want, 1, 0);
	vals_free(&v);
	nw = 0;
	if (cert_is_ca(x))
		want[nw++] = "ca";
	if (!cert_can_encrypt(x))
		want[nw++] = "no-encrypt";
	fsck_vals(l, m, "smimeFlags", &v);
	repairs += fsck_set(f, o, &as, dn, "smimeFlags", &v, want, nw, 1);
	vals_free(&v);
	for (a = 0; a < NATTR; a++) {
		if (!amap[a].time && a != A_CAPS)
			continue;
		fsck_vals(l, m, amap[a].attr, &v);
		probs += fsck_time(f, o, &as, dn, a, &v, &fix);
		vals_free(&v);
	}
	if (o == NULL) {
		f->left += probs + repairs;
		goto out;
	}
	buf_puts(&as, ")");
	if (o->nmods == 0) {
		/* Nothing to change. */
		f->left += probs;
		goto out;
	}
	o->assert = xstrdup(as.p);
	if (op_apply(l, o)) {
		f->fixed += repairs + fix;
		f->left += probs;
	} else {
		warnx("%s: %s: changed while it was repaired: run fsck "
		    "again", l->server, dn);
		f->left += probs + repairs + fix;
	}
out:
	if (o != NULL)
		ops_clear(l);
	vals_free(&cert);
	X509_free(x);
	buf_free(&as);
	ldap_memfree(dn);
}

static void
fsck_one(struct store_ldap *l, LDAPMessage *m, void *arg)
{
	struct fsck *f = arg;

	(void)l;
	fsck_entry(f, m);
	f->n++;
}

static int
sl_fsck(struct store *s, int repair, int *fixed)
{
	static char *attrs[] = { "*", NULL };
	struct store_ldap *l = sl(s);
	struct fsck f = { l, repair, 0, 0, 0 };
	int left;

	/* The folder first: identities, anchors, CRLs, the file ldap. */
	left = s->local->ops->fsck(s->local, repair, fixed);
	ld_need(l);
	/* A repair lost on the server writes are referred to is counted,
	 * not read again there: the walk's pages are this server's. */
	l->stay = 1;
	paged(l, attrs, fsck_one, &f);
	verbosex("%s: %d entr%s checked", l->server, f.n,
	    f.n == 1 ? "y" : "ies");
	*fixed += f.fixed;
	return left + f.left;
}

/*
 * Opening.
 */
static struct store *
sl_open(const char *where, int flags)
{
	struct store_ldap_conf c;
	struct store *local;
	struct store_ldap *l;

	/* Identities, anchors and CRLs are the folder's; it dies first
	 * if there is no store.  Its lock is taken only to mend it (fsck):
	 * an import writes nothing there, and holding the lock through
	 * round trips to the server, retries included, would serialise
	 * every writer on this gateway behind the slowest of them. */
	if (!(flags & STORE_FSCK))
		flags &= ~STORE_WRITE;
	local = store_dir_ops.open(where, flags);
	if (!store_ldap_conf_read(where, &c))
		xdie(ERR_CONFIG, "no %s/%s", where, STORE_LDAP_FILE);
	l = xcalloc(1, sizeof(*l));
	l->base.ops = &store_ldap_ops;
	l->base.local = local;
	l->base.where = local->where;
	l->conf = c;
	return &l->base;
}

static void
sl_close(struct store *s)
{
	struct store_ldap *l = sl(s);

	ops_clear(l);
	cache_clear(l);
	free(l->cache);
	if (l->ld != NULL)
		ldap_unbind_ext_s(l->ld, NULL, NULL);
	if (l->rld != NULL)
		ldap_unbind_ext_s(l->rld, NULL, NULL);
	free(l->server);
	free(l->rserver);
	free(l->basedn);
	store_ldap_conf_free(&l->conf);
	l->base.local->ops->close(l->base.local);
	free(l);
}

const struct store_ops store_ldap_ops = {
	.name = "ldap",
	.shared = 1,
	.open = sl_open,
	.close = sl_close,
	.lookup = sl_lookup,
	.load = sl_load,
	.facts = sl_facts,
	.walk = sl_walk,
	.begin = sl_begin,
	.put = sl_put,
	.drop = sl_drop,
	.commit = sl_commit,
	.fsck = sl_fsck,
	/* identity, anchors, crls: the local directory's */
};
