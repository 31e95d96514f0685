/*
 * store_int: what the modules of the certificate store share, and
 * nothing else includes.  The store is one module (store.h is its
 * interface for the filters and certstore) cut into files by concern:
 *
 *	store.c		opening, the lock, the dirty marker, staged writes
 *			and commit, .meta, the filters' API (import, best,
 *			identities)
 *	store_cert.c	fingerprints, a certificate's addresses, fitness
 *			for mail, loading from the folders, CRLs
 *	store_index.c	index and index.journal: lookup, merge
 *	store_judge.c	the policy of add: chains, fitness, algorithms
 *	store_input.c	what add, trust and crl read: sniffing, parsing
 *	store_verbs.c	the certstore verbs and their output
 *	store_fsck.c	fsck, --repair, and the recovery of a dead writer
 *
 * The declarations are here, not in store.h, because they are the
 * store's internals: a filter has no business staging a file or reading
 * the index.  Each is here because a file other than its own calls it.
 */
#ifndef SMIMETOOLS_STORE_INT_H
#define SMIMETOOLS_STORE_INT_H

#include <stddef.h>
#include <stdnoreturn.h>

#include <openssl/x509.h>

#include "buf.h"
#include "cert.h"
#include "cms.h"
#include "store.h"

/* Limits more than one file checks against. */
#define INPUT_MAX	(16 << 20)	/* a file given to add, trust, crl */
#define SMALL_MAX	(1 << 20)	/* a file in the store but index */
#define CHAIN_CANDS	64		/* issuer candidates for one chain */
#define FPLEN		64
/* Hash links of one hash in ca/ or crl/: the verbs make them, fsck
 * repairs them. */
#define LINKS_MAX	64

/* Every file builds its paths from dir; init makes one on its stack,
 * add sets bulk. */
struct store {
	char *dir;
	int lock;		/* the lock's descriptor, -1 for a reader */
	int bulk;		/* syncfs at commit instead of fsync per file */
};

/*
 * .meta: "name: value" lines.  Lines of other names are kept, in their
 * order, so that a newer version's additions survive an older writer.
 */
struct meta {
	char **line;
	size_t n;
};

/* What the index names for a key (ix_find): the lookups of store.c,
 * store_judge.c and the verbs read them. */
struct hit {
	char fp[FPLEN + 1];
	char flags[64];
};

struct hits {
	struct hit *v;
	size_t n;
};

/* A line to merge: where it is, its "key TAB fp" prefix, its age.
 * fsck compares the sorted lines of the index with those of certs/. */
struct ixl {
	const char *p;
	size_t n, pre, seq;
};

/* The fingerprints in folder, sorted. */
struct fps {
	char (*v)[FPLEN + 1];
	size_t n;
};

/* An input of add or trust (store_input.c): its certificates and, for
 * a signed message, its signers, whose facts add records. */
struct input {
	STACK_OF(X509) *certs;
	int verified;			/* a signed message, signature valid */
	struct cms_verified v;		/* its signers */
};

/* A certificate of the inputs, by fingerprint (gather). */
struct cert_ref {
	char fp[FPLEN + 1];
	X509 *x;
};

/* The policy of `add` (store_judge.c); on the caller's stack. */
struct ca_ref {
	unsigned long hash;	/* subject name hash */
	X509 *x;
};

struct judge {
	struct store *s;
	X509_STORE *anchors;	/* loaded by the first chain checked */
	struct ca_ref *cas;	/* the inputs' CA certificates, by hash */
	size_t ncas;
	struct {
		unsigned long hash;
		STACK_OF(X509) *sk;
	} cache[64];		/* CA certificates of certs/, by hash */
	size_t ncache;
};

/* What store_put records of a certificate: import, add and identity
 * add fill it. */
struct put {
	const char *source;
	const char *caps;	/* the signature's SMIMECapabilities */
	const char *msgid;
	int seen;		/* in a valid signature, now */
	int keypref;		/* named by SMIMEEncryptionKeyPreference */
	const struct tm *signed_at;	/* that signature's signingTime */
};

/*
 * store.c
 */
/* The folders of a store: init makes them, fsck checks them. */
extern const char *const folders[];

/* dir/rel into out: every file builds its paths so. */
void spath(char *out, const struct store *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A certificate's time as the index and list print it. */
void iso_asn1(const ASN1_TIME *t, char out[21]);

/* The crash-safe writes, for every file that changes the store: stage
 * the files, then commit them in order.  die_write says why a write
 * failed with its class (75 disk full, 74 EIO, else 73); init uses it
 * for the lock file it creates by hand. */
noreturn void die_write(const char *what, const char *path, int e);
void stage_data(struct store *s, const char *rel, const void *p, size_t n);
void stage_link(struct store *s, const char *rel, const char *target);
void stage_unlink(struct store *s, const char *rel);
void fsync_dir(const char *dir);
void commit(struct store *s);

/* .meta: list reads it, fsck checks and rebuilds it. */
int meta_parse(struct meta *m, char *text);
void meta_load(struct store *s, const char *fp, struct meta *m);
const char *meta_get(const struct meta *m, const char *name);
int meta_set(struct meta *m, const char *name, const char *value);
void meta_stage(struct store *s, const char *fp, const struct meta *m);
void meta_free(struct meta *m);

/* The verbs that read their input before they write take the lock
 * late. */
void store_lock(struct store *s);

/* The files of a folder: the verbs' listings, expire. */
void each_file(struct store *s, const char *folder, const char *suffix,
    void (*fn)(struct store *, const char *, void *), void *arg);
void fps_add(struct store *s, const char *fp, void *arg);
void list_fps(struct store *s, const char *folder, struct fps *f);

/* Writes a certificate and its .meta: import, add, identity add. */
int store_put(struct store *s, X509 *x, const struct put *w,
    struct buf *ix);
/* Must what a signature of signer signed at t (NULL: it says not) says
 * of the sender be left out?  Older than the sender's latest signing
 * time, or ahead of our clock while the sender has one: 1, with why.
 * import and add ask. */
int store_replayed(struct store *s, X509 *signer, const struct tm *t,
    char *why, size_t whysz);

/*
 * store_cert.c
 */
/* Fingerprints: the only source of file names in the store. */
void cert_fp(X509 *x, char out[FPLEN + 1]);
void crl_fp(X509_CRL *c, char out[FPLEN + 1]);
int is_fp(const char *s, size_t n);
int fp_name(const char *name, const char *suffix, char fp[FPLEN + 1]);
int parse_fp(const char *arg, char fp[FPLEN + 1]);
/* For qsort and bsearch over fingerprints. */
int fp_cmp(const void *a, const void *b);

/* A certificate's addresses (cert.h): indexed, listed, judged. */
/* Is a the certificate b; does b name every address of a?  What import
 * stores of a message, and what add records of a signer. */
int same_cert(X509 *a, X509 *b);
int names_within(X509 *a, X509 *b);

/* What a certificate is fit for: the index flags, list, get, add. */
int is_ca(X509 *x);
int valid_now(X509 *x);
int expired(X509 *x);
int can_encrypt(X509 *x);
int fit_for_mail(X509 *x);

/* Loading from the folders; fsck parses the files it reads itself. */
X509 *pem_cert(const char *p, size_t n);
X509 *load_cert(struct store *s, const char *folder, const char *fp);
int has_file(struct store *s, const char *folder, const char *fp,
    const char *suffix);
int is_identity(struct store *s, const char *fp);
X509_CRL *pem_crl(const char *p, size_t n);
/* The target of a hash link of ca/ or crl/. */
int link_target(struct store *s, const char *folder, const char *name,
    char *target, size_t size);
/* The CRLs of the store: get and list check revocation, crl add
 * replaces them. */
STACK_OF(X509_CRL) *crls_of(struct store *s, const X509_NAME *name);
int revoked(struct store *s, X509 *x);
/* A certificate named in a message of import or add. */
const char *cert_label(X509 *x, struct buf *b);

/*
 * store_index.c
 */
/* The lines a certificate calls for: writers append them, fsck
 * rebuilds the index from them. */
void ix_cert_lines(struct buf *b, X509 *x, const char *fp, int identity);
/* fsck checks and compares the lines with these. */
size_t ix_parse(const char *l, size_t n, const char **fp,
    const char **flags, size_t *flagslen);
struct ixl *ix_sort(const char *text, size_t n, size_t *count);
/* Lookup by address or "ca:HASH", without the lock. */
void ix_find(struct store *s, const char *key, struct hits *h);
/* A new index (fsck --repair), lines added, certificates dropped:
 * staged, for the caller to commit. */
void ix_write(struct store *s, int base, const char *extra, size_t nextra,
    const char (*drop)[FPLEN + 1], size_t nd);
void ix_add(struct store *s, const struct buf *lines);
void ix_drop(struct store *s, char (*drop)[FPLEN + 1], size_t nd);

/*
 * store_judge.c
 */
/* Does a certificate meet the policy?  import and add ask. */
void judge_init(struct judge *j, struct store *s, STACK_OF(X509) *certs);
void judge_release(struct judge *j);
const char *judge(struct judge *j, X509 *x);
/* Does a certificate chain to the anchors, whatever the policy?  import
 * asks of a message's CA certificates, crl add of an issuer, crl urls
 * of a certificate. */
const char *judge_chain(struct judge *j, X509 *x);
/* The intermediates above a certificate: an identity's chain too. */
void issuers(struct judge *j, X509 *x, STACK_OF(X509) *out, int depth);

/*
 * store_input.c
 */
/* The inputs of add and trust, read, parsed, one of each certificate. */
struct cert_ref *gather(const char **files, struct input *ins, size_t nin,
    size_t *count, int *bad);
void input_release(struct input *in);
/* The input of crl add: a file (or stdin) and its CRL. */
char *read_input(const char *path, size_t *n);
X509_CRL *parse_crl(const char *buf, size_t n);

/*
 * store_verbs.c
 */
/* fsck is a verb too: its arguments are checked the same way. */
void want_args(const char *verb, const char **args, size_t min,
    size_t max);
/* A passphrase callback that has none: is a key encrypted (identity
 * add), can fsck check it against its certificate? */
int no_pass(char *buf, int size, int rwflag, void *u);

/*
 * store_fsck.c
 */
/* A writer that finds a dead one's dirty marker finishes its work the
 * way fsck --repair does (store_mark). */
void store_recover(struct store *s);
enum err_class verb_fsck(const char **args);

#endif
