/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * ldap_dl: libldap loaded when it is first needed, with dlopen(3), not
 * linked.  Every filter links the store, and the store the LDAP backend;
 * linking libldap made every process load GnuTLS, p11-kit, nettle and
 * gmp and run their constructors (4.8 million instructions, a quarter
 * of what verifying a 4 KiB message costs) for stores that have no
 * directory.  Only a store with the file `ldap` calls into it.
 *
 * The functions the LDAP backend calls are defined here under libldap's
 * own names and prototypes (from <ldap.h>), each forwarding to the
 * library's: store_ldap.c is written against libldap's API as if linked.
 * The program does not export these names (it is not linked with
 * -rdynamic), so libldap's calls to itself stay inside it.  A function
 * the backend starts to use is added to LDAP_FNS, or the link fails.
 */
#include <dlfcn.h>
#include <stddef.h>

#include <ldap.h>

#include "err.h"

/* X(return type, name, parameters, arguments); XV for void. */
#define LDAP_FNS(X, XV) \
	X(struct berval *, ber_mem2bv, (const char *a0, ber_len_t len,	\
	    int duplicate, struct berval *bv), (a0, len, duplicate, bv)) \
	X(void *, ber_memcalloc, (ber_len_t n, ber_len_t s), (n, s))	\
	XV(void, ber_memfree, (void *p), (p))				\
	X(void *, ber_memrealloc, (void *p, ber_len_t s), (p, s))	\
	X(char *, ber_strdup, (const char *a0), (a0))			\
	X(int, ldap_add_ext_s, (LDAP *ld, const char *dn, LDAPMod	\
	    **attrs, LDAPControl **sc, LDAPControl **cc), (ld, dn, attrs, \
	    sc, cc))							\
	X(LDAPControl *, ldap_control_find, (const char *oid,		\
	    LDAPControl **ctrls, LDAPControl ***nextctrlp), (oid, ctrls, \
	    nextctrlp))							\
	XV(void, ldap_control_free, (LDAPControl *ctrl), (ctrl))	\
	XV(void, ldap_controls_free, (LDAPControl **ctrls), (ctrls))	\
	X(int, ldap_count_values_len, (struct berval **vals), (vals))	\
	X(int, ldap_create_assertion_control, (LDAP *ld, char *filter,	\
	    int iscritical, LDAPControl **ctrlp), (ld, filter, iscritical, \
	    ctrlp))							\
	X(int, ldap_create_page_control, (LDAP *ld, ber_int_t		\
	    pagesize, struct berval *cookie, int iscritical, LDAPControl \
	    **ctrlp), (ld, pagesize, cookie, iscritical, ctrlp))	\
	X(int, ldap_delete_ext_s, (LDAP *ld, const char *dn,		\
	    LDAPControl **sc, LDAPControl **cc), (ld, dn, sc, cc))	\
	XV(void, ldap_dnfree, (LDAPDN dn), (dn))			\
	X(char *, ldap_err2string, (int err), (err))			\
	X(LDAPMessage *, ldap_first_entry, (LDAP *ld, LDAPMessage	\
	    *chain), (ld, chain))					\
	XV(void, ldap_free_urldesc, (LDAPURLDesc *ludp), (ludp))	\
	X(char *, ldap_get_dn, (LDAP *ld, LDAPMessage *entry), (ld,	\
	    entry))							\
	X(int, ldap_get_option, (LDAP *ld, int option, void		\
	    *outvalue), (ld, option, outvalue))				\
	X(struct berval **, ldap_get_values_len, (LDAP *ld,		\
	    LDAPMessage *entry, const char *target), (ld, entry, target)) \
	X(int, ldap_initialize, (LDAP **ldp, const char *url), (ldp,	\
	    url))							\
	XV(void, ldap_memfree, (void *p), (p))				\
	X(int, ldap_modify_ext_s, (LDAP *ld, const char *dn, LDAPMod	\
	    **mods, LDAPControl **sc, LDAPControl **cc), (ld, dn, mods,	\
	    sc, cc))							\
	XV(void, ldap_mods_free, (LDAPMod **mods, int freemods),	\
	    (mods, freemods))						\
	X(int, ldap_msgfree, (LDAPMessage *lm), (lm))			\
	X(LDAPMessage *, ldap_next_entry, (LDAP *ld, LDAPMessage	\
	    *entry), (ld, entry))					\
	X(int, ldap_parse_pageresponse_control, (LDAP *ld, LDAPControl	\
	    *ctrl, ber_int_t *count, struct berval *cookie), (ld, ctrl,	\
	    count, cookie))						\
	X(int, ldap_parse_result, (LDAP *ld, LDAPMessage *res, int	\
	    *errcodep, char **matcheddnp, char **diagmsgp, char		\
	    ***referralsp, LDAPControl ***sc, int freeit), (ld, res,	\
	    errcodep, matcheddnp, diagmsgp, referralsp, sc, freeit))	\
	X(int, ldap_sasl_bind_s, (LDAP *ld, const char *dn, const char	\
	    *mech, struct berval *cred, LDAPControl **sc, LDAPControl	\
	    **cc, struct berval **credp), (ld, dn, mech, cred, sc, cc,	\
	    credp))							\
	X(int, ldap_sasl_interactive_bind_s, (LDAP *ld, const char	\
	    *dn, const char *mech, LDAPControl **sc, LDAPControl **cc,	\
	    unsigned flags, LDAP_SASL_INTERACT_PROC *proc, void		\
	    *defaults), (ld, dn, mech, sc, cc, flags, proc, defaults))	\
	X(int, ldap_search_ext_s, (LDAP *ld, const char *base, int	\
	    scope, const char *filter, char **attrs, int attrsonly,	\
	    LDAPControl **sc, LDAPControl **cc, struct timeval *timeout, \
	    int sizelimit, LDAPMessage **res), (ld, base, scope, filter, \
	    attrs, attrsonly, sc, cc, timeout, sizelimit, res))		\
	X(int, ldap_set_option, (LDAP *ld, int option, const void	\
	    *invalue), (ld, option, invalue))				\
	X(int, ldap_start_tls_s, (LDAP *ld, LDAPControl **sc,		\
	    LDAPControl **cc), (ld, sc, cc))				\
	X(int, ldap_str2dn, (const char *str, LDAPDN *dn, unsigned	\
	    flags), (str, dn, flags))					\
	X(int, ldap_unbind_ext_s, (LDAP *ld, LDAPControl **sc,		\
	    LDAPControl **cc), (ld, sc, cc))				\
	X(int, ldap_url_parse, (const char *url, LDAPURLDesc **ludpp),	\
	    (url, ludpp))						\
	XV(void, ldap_value_free_len, (struct berval **vals), (vals))

static struct {
#define FIELD(r, n, p, a)	r (*n) p;
#define FIELDV(r, n, p, a)	r (*n) p;
	LDAP_FNS(FIELD, FIELDV)
	int loaded;
} lib;

/* The sonames of libldap 2.5 (Debian 12) and of 2.6 and later. */
static const char *const sonames[] = {
	"libldap-2.5.so.0", "libldap.so.2"
};

static void
load(void)
{
	void *h = NULL;
	size_t i;

	if (lib.loaded)
		return;
	for (i = 0; h == NULL && i < sizeof(sonames) / sizeof(*sonames); i++)
		h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		xdie(ERR_CONFIG, "the store's directory server needs libldap: %s",
		    dlerror());
	/* POSIX: a function pointer from dlsym() through a void *; liblber's
	 * functions are found through libldap, which depends on it. */
#define SYM(r, n, p, a)							\
	if ((*(void **)&lib.n = dlsym(h, #n)) == NULL)			\
		xdie(ERR_CONFIG, "libldap lacks %s", #n);
	LDAP_FNS(SYM, SYM)
	lib.loaded = 1;
}

#define WRAP(r, n, p, a)	r n p { load(); return lib.n a; }
#define WRAPV(r, n, p, a)	r n p { load(); lib.n a; }
LDAP_FNS(WRAP, WRAPV)
