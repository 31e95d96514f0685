/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * io: the message's way in and out.
 *
 * Input is a file descriptor: stdin or -i FILE.  Whatever happens, stdin is
 * read to its end before the process exits (maildrop tempfails a filter
 * that leaves input unread; procmail's pipe would get SIGPIPE).
 *
 * Output is stdout or -o FILE.  -o FILE is written to a temporary file in
 * FILE's folder, fsync'd and renamed over FILE only by io_out_commit(), and
 * the folder fsync'd: FILE is never partial, and on any failure the
 * temporary file is removed and FILE left as it was.
 *
 * A spool is a private temporary file (O_TMPFILE, or created and unlinked
 * at once; mode 0600) in $TMPDIR: the filters keep the message there until
 * they know the result that goes at the top of its header.
 *
 * struct io_wr is a buffered writer over a descriptor that can convert line
 * endings on the way (--crlf, --lf).  Errors are sticky: the first one is
 * kept and reported by io_wr_flush().
 */
#ifndef SMIMETOOLS_IO_H
#define SMIMETOOLS_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum io_eol {
	IO_EOL_KEEP,	/* write bytes as they are */
	IO_EOL_LF,
	IO_EOL_CRLF
};

#define IO_BUFSIZE (64 * 1024)

/* The class of a failed write: a full disk or quota is transient (75,
 * smimetools(7) EXIT STATUS), anything else an I/O error (74). */
enum err_class io_errclass(int errnum);

/* At start: stdin is drained at exit unless -i names a file; SIGPIPE is
 * ignored so that a closed reader is a write error. */
void io_init(void);
/* Opens the input: path NULL or "-" is stdin.  Dies with ERR_NOINPUT. */
int io_in_open(const char *path);
/* Reads up to n bytes, retrying on EINTR; dies with ERR_IO on error. */
size_t io_read(int fd, void *buf, size_t n);
/* Reads stdin to its end, if it is our input and not yet at its end. */
void io_in_drain(void);
/* Marks the input as read to its end. */
void io_in_eof(void);

/* Opens the output: path NULL or "-" is stdout.  Dies with ERR_CANTCREAT. */
int io_out_open(const char *path);
/* May the output be written as it is made?  True for -o (a temporary
 * file renamed at commit) and for a regular stdout, which a failure cuts
 * back to where it was (a pipe must get nothing, or all).  Call after
 * io_out_open. */
int	io_out_direct(void);
/* Flushed writer done: fsync and rename into place (-o), or check stdout.
 * Dies with ERR_IO. */
void io_out_commit(void);

/* A private, unlinked, 0600 temporary file.  Dies with ERR_TEMP. */
int io_spool_open(void);

struct io_wr {
	int fd;
	/* Instead of fd: called with each full buffer; returns 0 or an
	 * errno value. */
	int (*sink)(void *arg, const char *p, size_t n);
	void *arg;
	enum io_eol eol;
	int err;		/* first errno seen, 0 if none */
	int lastcr;		/* last byte given was '\r' (conversion) */
	uint64_t total;		/* bytes accepted */
	size_t len;
	char buf[IO_BUFSIZE];
};

void io_wr_init(struct io_wr *w, int fd, enum io_eol eol);
void io_wr_init_sink(struct io_wr *w, int (*sink)(void *, const char *,
    size_t), void *arg, enum io_eol eol);
void io_wr_write(struct io_wr *w, const void *p, size_t n);
void io_wr_puts(struct io_wr *w, const char *s);
/* Copies fd from its current offset to its end. */
void io_wr_copyfd(struct io_wr *w, int fd);
/* Ends the stream (a held '\r' is written) and writes out the buffer;
 * returns 0 or the first errno seen. */
int io_wr_flush(struct io_wr *w);

/* fsync(2) of the folder dir, so that a rename or a new name in it is
 * on disk.  Returns 0, or the errno of the flush (a folder that cannot
 * be opened, or a file system that cannot flush one, EINVAL, is 0). */
int io_fsync_dir(const char *dir);

/*
 * A whole regular file of at most max bytes, NUL-terminated (len
 * without the NUL), links not followed.  Returns NULL with errno set
 * if it cannot be opened (ENOENT: a reader raced a remove), EINVAL if
 * it is no regular file, EFBIG if it is larger than max.
 */
char *io_read_file(const char *path, size_t max, size_t *len);
/* The same for what is left of an open descriptor (certstore's inputs:
 * stdin or -i FILE); NULL with errno, EFBIG if more than max. */
char *io_read_fd(int fd, size_t max, size_t *len);

/*
 * The line ending a message uses: that of its first line.  Returns
 * IO_EOL_KEEP if buf holds no line end.
 */
enum io_eol io_eol_detect(const char *buf, size_t n);
const char *io_eol_str(enum io_eol e);

#endif
