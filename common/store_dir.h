/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_dir: the directory backend's internals (certstore(5)), shared
 * by its files and by the certstore verbs that change the local
 * directory itself (identity, trust, crl: store_verbs.c's open_local):
 *
 *	store_fs.c	paths, the lock and the dirty marker, staged
 *			writes and commit, .meta, the folders
 *	store_index.c	index and index.journal: look-up, merge
 *	store_fsck.c	fsck, --repair, and the recovery of a dead writer
 *	store_dir.c	the backend's table (store_be.h) over those
 *
 * The policy (store.c and the files it names) reaches the directory
 * through the table only.
 */
#ifndef SMIMETOOLS_STORE_DIR_H
#define SMIMETOOLS_STORE_DIR_H

#include <stddef.h>
#include <stdnoreturn.h>

#include <openssl/x509.h>

#include "buf.h"
#include "cert.h"
#include "store_be.h"

/* Limits more than one file checks against. */
#define INPUT_MAX	(16 << 20)	/* a file given to add, trust, crl */
#define SMALL_MAX	(1 << 20)	/* a file in the store but index */
/* Hash links of one hash in ca/ or crl/: the verbs make them, fsck
 * repairs them. */
#define LINKS_MAX	64

/* A directory store.  Every file builds its paths from dir; create
 * makes one on its stack, add sets bulk. */
struct store_dir {
	struct store base;
	char *dir;
	int lock;		/* the lock's descriptor, -1 for a reader */
	int bulk;		/* syncfs at commit instead of fsync per file */
	struct buf ix;		/* index lines of what put staged */
	struct fps drop;	/* what drop staged */
};

/* A store of the directory backend, else NULL. */
struct store_dir *store_dir_of(struct store *s);

/* A line to merge: where it is, its "key TAB fp" prefix, its age.
 * fsck compares the sorted lines of the index with those of certs/. */
struct ixl {
	const char *p;
	size_t n, pre, seq;
};

/*
 * store_fs.c
 */
/* The folders of a store: init makes them, fsck checks them. */
extern const char *const folders[];

/* dir/rel into out: every file builds its paths so. */
void spath(char *out, const struct store_dir *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A certificate's time as the index and list print it. */
void iso_asn1(const ASN1_TIME *t, char out[21]);

/* The crash-safe writes, for every file that changes the store: stage
 * the files, then commit them in order.  die_write says why a write
 * failed with its class (75 disk full, 74 EIO, else 73); create uses it
 * for the lock file it makes by hand. */
noreturn void die_write(const char *what, const char *path, int e);
void stage_data(struct store_dir *s, const char *rel, const void *p,
    size_t n);
void stage_link(struct store_dir *s, const char *rel, const char *target);
void stage_unlink(struct store_dir *s, const char *rel);
/* io_fsync_dir, dying as die_write says on a failure. */
void fsync_dir(const char *dir);
void commit(struct store_dir *s);

/* .meta: list reads it, fsck checks and rebuilds it (store_meta.c
 * parses the text). */
void meta_load(struct store_dir *s, const char *fp, struct meta *m);
void meta_stage(struct store_dir *s, const char *fp, const struct meta *m);

/* Is dir a store (a lock file and certs/)?  The backend's probe and
 * create ask; open dies 78 if it is not. */
int store_exists(const char *dir);
/* Dies 78 if dir or one of its folders is writable by group or others
 * (certstore(5) "Modes"): open and probe check, fsck reports. */
void store_check_modes(const char *dir);
/* Opening (store_dir.c adds the lock and recovery): dies 78 if dir is
 * no store.  dir_flock takes the lock (bounded wait, else 75) and says
 * whether a dead writer's dirty marker is there; dir_mark makes ours. */
struct store_dir *dir_open_fs(const char *dir, int flags);
void dir_close_fs(struct store_dir *s);
int dir_flock(struct store_dir *s);
void dir_mark(struct store_dir *s);
/* The lock for a change, a dead writer's work finished first
 * (store_dir.c); the verbs that read their input first take it late. */
void store_lock(struct store_dir *s);

/* The files of a folder: the verbs' listings, expire. */
void each_file(struct store_dir *s, const char *folder, const char *suffix,
    void (*fn)(struct store_dir *, const char *, void *), void *arg);
void fps_add(struct store_dir *s, const char *fp, void *arg);
void list_fps(struct store_dir *s, const char *folder, struct fps *f);

/* Loading from the folders; fsck parses the files it reads itself. */
X509 *load_cert(struct store_dir *s, const char *folder, const char *fp);
int has_file(struct store_dir *s, const char *folder, const char *fp,
    const char *suffix);
int is_identity(struct store_dir *s, const char *fp);
/* ".pem" (a key file), ".p11" (a key on a token) or NULL: keys/<fp>. */
const char *identity_suffix(struct store_dir *s, const char *fp);
/* Each identity's fingerprint once (list_fps "keys" sorts them). */
void each_identity(struct store_dir *s,
    void (*fn)(struct store_dir *, const char *, void *), void *arg);
/* The target of a hash link of ca/ or crl/. */
int link_target(struct store_dir *s, const char *folder, const char *name,
    char *target, size_t size);
/* The CRLs of crl/ whose issuer is name, through the hash links. */
STACK_OF(X509_CRL) *crls_of(struct store_dir *s, const X509_NAME *name);

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
void ix_find(struct store_dir *s, const char *key, struct hits *h);
/* A new index (fsck --repair), lines added, certificates dropped:
 * staged, for the caller to commit. */
void ix_write(struct store_dir *s, int base, const char *extra,
    size_t nextra, const char (*drop)[FPLEN + 1], size_t nd);
void ix_add(struct store_dir *s, const struct buf *lines);
void ix_drop(struct store_dir *s, char (*drop)[FPLEN + 1], size_t nd);

/*
 * store_fsck.c
 */
/* A writer that finds a dead one's dirty marker finishes its work the
 * way fsck --repair does. */
void store_recover(struct store_dir *s);
/* fsck: the problems left, those repaired into *fixed. */
int dir_fsck(struct store_dir *s, int repair, int *fixed);
/* A passphrase callback that has none: is a key encrypted (identity
 * add), can fsck check it against its certificate? */
int no_pass(char *buf, int size, int rwflag, void *u);

#endif
