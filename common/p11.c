/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * p11: an identity whose private key stays on a PKCS#11 token, through
 * libp11's own API (not its ENGINE, which OpenSSL 3 deprecates and 4
 * removes): PKCS11_get_private_key() gives an EVP_PKEY whose operations
 * run on the token, which CMS_sign and CMS_decrypt, EVP_PKEY_decrypt and
 * EVP_PKEY_derive take as they take a key from a file (RSA, RSA-OAEP,
 * ECDSA, ECDH; checked against SoftHSM2).  No key material is read.
 *
 * One module, one login per token per process: a token that locks
 * after failed logins gets one attempt per run.  The PIN is read from
 * --passin into a buffer here and wiped once the login is done; libp11
 * keeps a copy of its own (to log in again in a forked child, which we
 * never do) that it wipes when the slots are released, by the last
 * identity_release().  Reading the PIN makes the process undumpable
 * (keys_passphrase).  Faults:
 *  - the module cannot be loaded: 78 (the configuration names it);
 *  - no token matches, or it is not initialised, or its PIN is locked:
 *    75 (it may be plugged in, or unlocked, later);
 *  - a wrong PIN: 77.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libp11.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "p11.h"
#include "p11uri.h"

#define CKR_PIN_INCORRECT_	0xa0	/* PKCS#11 2.40, 5.1 */
#define CKR_PIN_EXPIRED_	0xa3
#define CKR_PIN_LOCKED_		0xa4

/* The one module of the process, its slots, and the identities that
 * hold keys from it (p11_unref releases it when the last goes). */
static struct {
	char module[PATH_MAX];
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots;
	unsigned nslots;
	int refs;
} p11;

/* Does the token's or key's attribute have match what the URI wants
 * (anything, when the URI does not give it)? */
static int
str_is(const struct p11uri *u, unsigned attr, const char *want,
    const char *have)
{
	if (!(u->present & attr))
		return 1;
	return strcmp(want, have != NULL ? have : "") == 0;
}

/*
 * The token u names: the one initialised token whose given attributes
 * all match; else one that matches but is not initialised (the caller
 * says so), or NULL.  Two initialised ones: the URI is ambiguous, and
 * the first in slot order (which a token plugged in changes) is not
 * taken for the one the administrator meant.
 */
static PKCS11_SLOT *
find_slot(const struct p11uri *u, const char *uri)
{
	PKCS11_SLOT *found = NULL, *blank = NULL;
	PKCS11_TOKEN *t;
	unsigned i;

	for (i = 0; i < p11.nslots; i++) {
		if ((t = p11.slots[i].token) == NULL ||
		    !str_is(u, P11URI_TOKEN, u->token, t->label) ||
		    !str_is(u, P11URI_MANUFACTURER, u->manufacturer,
		    t->manufacturer) ||
		    !str_is(u, P11URI_MODEL, u->model, t->model) ||
		    !str_is(u, P11URI_SERIAL, u->serial, t->serialnr))
			continue;
		if (!t->initialized)
			blank = &p11.slots[i];
		else if (found != NULL)
			xdie(ERR_CONFIG, "%s: names more than one token "
			    "(serial= tells them apart)", uri);
		else
			found = &p11.slots[i];
	}
	return found != NULL ? found : blank;
}

static int
key_is(const struct p11uri *u, const PKCS11_KEY *k)
{
	return str_is(u, P11URI_OBJECT, u->object, k->label) &&
	    (!(u->present & P11URI_ID) ||
	    (k->id_len == u->id_len && memcmp(k->id, u->id, u->id_len) == 0));
}

/*
 * Loads module, once per process.  libp11 prints dlerror() on stderr
 * itself when dlopen fails (libpkcs11.c), and our faults are one line:
 * stderr is pointed at /dev/null for that call only.
 */
static void
load_module(const char *module)
{
	struct stat st;
	int saved, null, rc;

	if (p11.ctx != NULL) {
		if (strcmp(p11.module, module) != 0)
			xdie(ERR_CONFIG, "identities on two PKCS#11 modules "
			    "(%s, %s) in one run", p11.module, module);
		return;
	}
	if (strlen(module) >= sizeof(p11.module))
		xdie(ERR_CONFIG, "PKCS#11 module path too long");
	/* It is code we run with the key's rights. */
	if (stat(module, &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)))
		xdie(ERR_CONFIG, "the PKCS#11 module %s is writable by group "
		    "or others", module);
	if ((p11.ctx = PKCS11_CTX_new()) == NULL)
		xdie(ERR_TEMP, "out of memory");
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved != -1 && null != -1)
		(void)dup2(null, STDERR_FILENO);
	rc = PKCS11_CTX_load(p11.ctx, module);
	if (saved != -1 && null != -1)
		(void)dup2(saved, STDERR_FILENO);
	if (saved != -1)
		close(saved);
	if (null != -1)
		close(null);
	if (rc != 0) {
		PKCS11_CTX_free(p11.ctx);
		p11.ctx = NULL;
		xdie(ERR_CONFIG, "cannot load the PKCS#11 module %s", module);
	}
	strcpy(p11.module, module);
	if (PKCS11_enumerate_slots(p11.ctx, &p11.slots, &p11.nslots) != 0)
		xdie(ERR_TEMP, "%s: cannot list its slots", module);
}

/*
 * One attempt: a token that locks after failed logins is not hammered
 * by a retry, here or by the next identity on the same token (it is
 * logged in already).  Nor by the next run: a filter runs once a
 * message, so a stale PIN would spend one try per message, and anyone
 * can send one.  The token says whether a login failed since the last
 * that worked (CKF_USER_PIN_COUNT_LOW, PKCS#11 2.40 4.5.4); then the
 * filters do not try, and the administrator's log in by hand (or
 * identity add, which may try unless one try is left) clears it.
 */
static void
login(PKCS11_SLOT *slot, const char *uri, const char *passin, int admin)
{
	char pin[1024];
	unsigned long e, r;
	int rc, in = 0;

	if (PKCS11_is_logged_in(slot, 0, &in) == 0 && in)
		return;
	if (slot->token->userPinFinalTry ||
	    (!admin && slot->token->userPinCountLow))
		xdie(ERR_PERM, "%s: a login failed since the last good one "
		    "(the token counts down to locking): log in by hand "
		    "first (pkcs11-tool --login --test)", uri);
	if (passin == NULL)
		xdie(ERR_PERM, "%s: the token needs a PIN (--passin)", uri);
	(void)keys_passphrase(passin, pin, sizeof(pin));
	ERR_clear_error();
	rc = PKCS11_login(slot, 0, pin);
	OPENSSL_cleanse(pin, sizeof(pin));
	if (rc != 0) {
		e = ERR_peek_last_error();
		r = ERR_GET_REASON(e);
		/* Incorrect, invalid, of a wrong length, expired. */
		if (r >= CKR_PIN_INCORRECT_ && r <= CKR_PIN_EXPIRED_)
			xdie(ERR_PERM, "%s: wrong PIN%s", uri,
			    r == CKR_PIN_EXPIRED_ ? " (expired)" : "");
		if (r == CKR_PIN_LOCKED_)
			xdie(ERR_TEMP, "%s: the token's PIN is locked", uri);
		xdie_ssl(ERR_TEMP, "%s: cannot log in", uri);
	}
}

void
p11_load_identity(struct identity *id, const char *uri, const char *module,
    const char *passin, int admin)
{
	char pinfile[P11URI_ATTR_MAX + 8];
	struct p11uri u;
	const char *why;
	PKCS11_SLOT *slot;
	PKCS11_KEY *keys, *key = NULL;
	PKCS11_CERT *cert;
	unsigned nkeys, i;
	enum err_class nokey = admin ? ERR_DATA : ERR_CONFIG;

	memset(id, 0, sizeof(*id));
	/* Not the URI itself: a refused one may carry a PIN. */
	if (p11uri_parse(uri, &u, &why) < 0)
		xdie(ERR_CONFIG, "a PKCS#11 URI: %s", why);
	if (u.type[0] != '\0' && strcmp(u.type, "private") != 0)
		xdie(ERR_CONFIG, "%s: names no private key (type=%s)", uri,
		    u.type);
	if (module == NULL || module[0] == '\0')
		module = u.module_path;
	if (module[0] == '\0')
		xdie(ERR_CONFIG, "%s: no PKCS#11 module (--module or "
		    "module-path=)", uri);
	/* The URI's own pin-source, last (RFC 7512 2.3: a file). */
	if (passin == NULL && u.pin_source[0] != '\0') {
		if (p11uri_pin_file(&u) == NULL)
			xdie(ERR_CONFIG, "%s: pin-source must be a file: URI "
			    "with an absolute path", uri);
		snprintf(pinfile, sizeof(pinfile), "file:%s",
		    p11uri_pin_file(&u));
		passin = pinfile;
	}
	load_module(module);
	if ((slot = find_slot(&u, uri)) == NULL)
		xdie(ERR_TEMP, "%s: no such token present", uri);
	if (!slot->token->initialized)
		xdie(ERR_TEMP, "%s: the token is not initialised", uri);
	if (slot->token->userPinLocked)
		xdie(ERR_TEMP, "%s: the token's PIN is locked", uri);
	if (slot->token->loginRequired)
		login(slot, uri, passin, admin);
	if (PKCS11_enumerate_keys(slot->token, &keys, &nkeys) != 0)
		xdie_ssl(ERR_TEMP, "%s: cannot list its keys", uri);
	for (i = 0; i < nkeys; i++)
		if (keys[i].isPrivate && key_is(&u, &keys[i])) {
			if (key != NULL)
				xdie(nokey, "%s: names more than one key", uri);
			key = &keys[i];
		}
	if (key == NULL)
		xdie(nokey, "%s: no such private key on the token", uri);
	if ((id->key = PKCS11_get_private_key(key)) == NULL)
		xdie_ssl(ERR_TEMP, "%s: cannot use the key", uri);
	p11.refs++;
	id->release = p11_unref;
	/* The certificate of the same id, if the token holds one. */
	if ((cert = PKCS11_find_certificate(key)) != NULL &&
	    cert->x509 != NULL && X509_up_ref(cert->x509))
		id->cert = cert->x509;
	ERR_clear_error();
}

void
p11_unref(void)
{
	if (p11.ctx == NULL || --p11.refs > 0)
		return;
	PKCS11_release_all_slots(p11.ctx, p11.slots, p11.nslots);
	PKCS11_CTX_unload(p11.ctx);
	PKCS11_CTX_free(p11.ctx);
	memset(&p11, 0, sizeof(p11));
}

/* Signs 32 random bytes with key and checks them with pub: 1 they
 * check, 0 they do not, -1 the key does not sign. */
static int
pair_signs(EVP_PKEY *key, EVP_PKEY *pub)
{
	unsigned char msg[32], sig[1024];
	size_t n = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = -1;

	if (md != NULL && RAND_bytes(msg, sizeof(msg)) == 1 &&
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(md, sig, &n, msg, sizeof(msg)) == 1) {
		(void)EVP_MD_CTX_reset(md);
		rc = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
		    pub) == 1 && EVP_DigestVerify(md, sig, n, msg,
		    sizeof(msg)) == 1;
	}
	EVP_MD_CTX_free(md);
	return rc;
}

/* RSA: 32 random bytes encrypted to pub come back through key. */
static int
pair_decrypts(EVP_PKEY *key, EVP_PKEY *pub)
{
	unsigned char msg[32], ct[1024], pt[1024];
	size_t nc = sizeof(ct), np = sizeof(pt);
	EVP_PKEY_CTX *e = EVP_PKEY_CTX_new(pub, NULL);
	EVP_PKEY_CTX *d = EVP_PKEY_CTX_new(key, NULL);
	int ok;

	ok = e != NULL && d != NULL && RAND_bytes(msg, sizeof(msg)) == 1 &&
	    EVP_PKEY_encrypt_init(e) == 1 &&
	    EVP_PKEY_encrypt(e, ct, &nc, msg, sizeof(msg)) == 1 &&
	    EVP_PKEY_decrypt_init(d) == 1 &&
	    EVP_PKEY_decrypt(d, pt, &np, ct, nc) == 1 &&
	    np == sizeof(msg) && CRYPTO_memcmp(pt, msg, np) == 0;
	EVP_PKEY_CTX_free(e);
	EVP_PKEY_CTX_free(d);
	return ok;
}

/* ECDH: an ephemeral key agrees the same secret with pub as key does
 * with it. */
static int
pair_derives(EVP_PKEY *key, EVP_PKEY *pub)
{
	unsigned char a[256], b[256];
	size_t na = sizeof(a), nb = sizeof(b);
	EVP_PKEY_CTX *g = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	EVP_PKEY_CTX *x = NULL, *y = NULL;
	EVP_PKEY *eph = NULL;
	int ok;

	ok = g != NULL && EVP_PKEY_keygen_init(g) == 1 &&
	    EVP_PKEY_keygen(g, &eph) == 1 &&
	    (x = EVP_PKEY_CTX_new(eph, NULL)) != NULL &&
	    EVP_PKEY_derive_init(x) == 1 &&
	    EVP_PKEY_derive_set_peer(x, pub) == 1 &&
	    EVP_PKEY_derive(x, a, &na) == 1 &&
	    (y = EVP_PKEY_CTX_new(key, NULL)) != NULL &&
	    EVP_PKEY_derive_init(y) == 1 &&
	    EVP_PKEY_derive_set_peer(y, eph) == 1 &&
	    EVP_PKEY_derive(y, b, &nb) == 1 &&
	    na == nb && CRYPTO_memcmp(a, b, na) == 0;
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	EVP_PKEY_CTX_free(x);
	EVP_PKEY_CTX_free(y);
	EVP_PKEY_CTX_free(g);
	EVP_PKEY_free(eph);
	return ok;
}

int
p11_key_is(EVP_PKEY *key, X509 *x)
{
	EVP_PKEY *pub = X509_get0_pubkey(x);
	int rc = 0;

	if (pub != NULL && X509_check_private_key(x, key)) {
		if ((rc = pair_signs(key, pub)) == -1)
			rc = EVP_PKEY_is_a(pub, "RSA") ?
			    pair_decrypts(key, pub) : pair_derives(key, pub);
	}
	ERR_clear_error();
	return rc == 1;
}
