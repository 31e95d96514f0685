/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * io: see io.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "io.h"

static int in_fd = STDIN_FILENO;	/* stdin while it may be our input */
static int in_done;
static int out_fd = -1;
static char *out_path, *out_tmp;

static off_t out_off0 = -1;	/* a regular stdout written as we go */
static int std_closed;		/* bit n: descriptor n was closed at start */

static void
out_abort(void)
{
	if (out_tmp != NULL) {
		unlink(out_tmp);
		free(out_tmp);
		out_tmp = NULL;
	}
	/* What we wrote of a failed output goes again. */
	if (out_off0 != -1 && ftruncate(STDOUT_FILENO, out_off0) == 0)
		out_off0 = -1;
}

int
io_in_open(const char *path)
{
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (std_closed & 1 << STDIN_FILENO)
			xdie(ERR_NOINPUT, "cannot read input: standard input "
			    "is closed");
		return STDIN_FILENO;
	}
	in_fd = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		xdie(ERR_NOINPUT, "cannot open '%s': %s", path,
		    strerror(errno));
	return fd;
}

size_t
io_read(int fd, void *buf, size_t n)
{
	ssize_t r;

	for (;;) {
		r = read(fd, buf, n);
		if (r >= 0)
			return (size_t)r;
		if (errno != EINTR)
			xdie(ERR_IO, "cannot read input: %s", strerror(errno));
	}
}

void
io_in_eof(void)
{
	in_done = 1;
}

void
io_in_drain(void)
{
	char buf[IO_BUFSIZE];
	ssize_t r;

	/* A terminal is a person typing, not a pipe to keep flowing. */
	if (in_fd == -1 || in_done || isatty(in_fd))
		return;
	in_done = 1;
	do
		r = read(in_fd, buf, sizeof(buf));
	while (r > 0 || (r == -1 && errno == EINTR));
}

enum err_class
io_errclass(int errnum)
{
	return errnum == ENOSPC || errnum == EDQUOT || errnum == ENOMEM ?
	    ERR_TEMP : ERR_IO;
}

/*
 * A descriptor 0, 1 or 2 that the caller left closed would go to the next
 * open(): the spool would become "stdout", the message be written there
 * and the run exit 0 with nothing delivered, or a message on stderr land
 * in the output.  Each is held by /dev/null, open the wrong way round
 * (reading or writing it fails), and remembered.
 */
static void
hold_std(void)
{
	int fd;

	std_closed = 0;
	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == STDIN_FILENO ? O_WRONLY :
		    O_RDONLY) != fd)
			_exit(err_code(ERR_OSERR));
		std_closed |= 1 << fd;
	}
}

void
io_init(void)
{
	in_fd = STDIN_FILENO;
	in_done = 0;
	out_fd = -1;
	hold_std();
	err_atexit(io_in_drain);
	/* A closed reader is a write error (74) with a message, not a
	 * silent death by SIGPIPE; a file-size limit (ulimit -f) is EFBIG
	 * with a message, not a death by SIGXFSZ that leaves -o's
	 * temporary file behind and a regular stdout cut short. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

int
io_out_open(const char *path)
{
	const char *slash;
	struct stat st;
	mode_t um;
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (std_closed & 1 << STDOUT_FILENO)
			xdie(ERR_IO, "cannot write output: standard "
			    "output is closed");
		out_fd = STDOUT_FILENO;
		return out_fd;
	}
	slash = strrchr(path, '/');
	if (asprintf(&out_tmp, "%.*s.%s.XXXXXX",
	    slash != NULL ? (int)(slash - path + 1) : 0, path,
	    slash != NULL ? slash + 1 : path) == -1)
		xdie(ERR_TEMP, "out of memory");
	fd = mkstemp(out_tmp);
	if (fd == -1) {
		free(out_tmp);
		out_tmp = NULL;
		xdie(ERR_CANTCREAT, "cannot create a file beside '%s': %s",
		    path, strerror(errno));
	}
	err_atexit(out_abort);
	/* Keep an existing target's mode; a new file gets the umask's. */
	if (stat(path, &st) == 0)
		fchmod(fd, st.st_mode & 07777);
	else {
		um = umask(0);
		umask(um);
		fchmod(fd, 0666 & ~um);
	}
	out_path = xstrdup(path);
	out_fd = fd;
	return fd;
}

int
io_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e = 0;

	if (fd == -1)
		return 0;
	if (fsync(fd) == -1 && errno != EINVAL)
		e = errno;
	close(fd);
	return e;
}

/* The folder of path, flushed: -o's rename is on disk.  Best effort: the
 * output is in place whatever the flush says. */
static void
fsync_parent(const char *path)
{
	char *dir, *slash;

	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	(void)io_fsync_dir(dir);
	free(dir);
}

static char *
read_fd(int fd, const struct stat *st, size_t max, size_t *len)
{
	struct buf b = { 0 };
	size_t first, room;
	ssize_t r;
	int e;

	/* A regular file at once (and a byte more, to see its end), else
	 * 64 KiB first; never more than max and a byte. */
	first = S_ISREG(st->st_mode) ? (size_t)st->st_size + 1 : 65536;
	if (first > max + 1)
		first = max + 1;
	for (;;) {
		if (b.n + 1 >= b.cap)
			buf_grow(&b, b.n == 0 ? first : b.n);
		room = b.cap - b.n - 1;
		if (room > max + 1 - b.n)
			room = max + 1 - b.n;
		r = read(fd, b.p + b.n, room);
		if (r == 0)
			break;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			e = errno;
			goto fail;
		}
		b.n += (size_t)r;
		if (b.n > max) {
			e = EFBIG;
			goto fail;
		}
	}
	b.p[b.n] = '\0';
	*len = b.n;
	return b.p;
fail:
	buf_free(&b);
	errno = e;
	return NULL;
}

char *
io_read_fd(int fd, size_t max, size_t *len)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return NULL;
	return read_fd(fd, &st, max, len);
}

char *
io_read_file(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *p;
	int fd, e;

	/* O_NONBLOCK: a FIFO put in a file's place does not hang the
	 * open (a regular file's reads ignore the flag). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	p = read_fd(fd, &st, max, len);
	e = errno;
	close(fd);
	errno = e;
	return p;
}

int
io_out_direct(void)
{
	struct stat st;
	int fl;

	if (out_fd != STDOUT_FILENO)
		return out_tmp != NULL;
	/* Not a pipe, nor a file others append to: ours to cut back. */
	if (fstat(out_fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (fl = fcntl(out_fd, F_GETFL)) == -1 || (fl & O_APPEND) ||
	    (out_off0 = lseek(out_fd, 0, SEEK_CUR)) == -1)
		return 0;
	err_atexit(out_abort);
	return 1;
}

void
io_out_commit(void)
{
	if (out_fd == STDOUT_FILENO) {
		out_off0 = -1;
		/* A pipe or a file: close reports a late write error. */
		if (close(STDOUT_FILENO) == -1 && errno != EINTR)
			xdie(io_errclass(errno), "cannot write output: %s",
			    strerror(errno));
		return;
	}
	if (out_tmp == NULL)
		return;
	if (fsync(out_fd) == -1 || close(out_fd) == -1)
		xdie(io_errclass(errno), "cannot write '%s': %s", out_path,
		    strerror(errno));
	if (rename(out_tmp, out_path) == -1)
		xdie(ERR_CANTCREAT, "cannot rename into '%s': %s", out_path,
		    strerror(errno));
	free(out_tmp);
	out_tmp = NULL;
	fsync_parent(out_path);
}

int
io_spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd != -1)
		return fd;
#endif
	/* Filesystems without O_TMPFILE: create, then unlink at once. */
	if (asprintf(&path, "%s/smimetools.XXXXXX", dir) == -1)
		xdie(ERR_TEMP, "out of memory");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd == -1)
		xdie(ERR_TEMP, "cannot create a spool file in '%s': %s", dir,
		    strerror(errno));
	unlink(path);
	free(path);
	return fd;
}

void
io_wr_init(struct io_wr *w, int fd, enum io_eol eol)
{
	w->fd = fd;
	w->sink = NULL;
	w->arg = NULL;
	w->eol = eol;
	w->err = 0;
	w->lastcr = 0;
	w->total = 0;
	w->len = 0;
}

void
io_wr_init_sink(struct io_wr *w, int (*sink)(void *, const char *, size_t),
    void *arg, enum io_eol eol)
{
	io_wr_init(w, -1, eol);
	w->sink = sink;
	w->arg = arg;
}

static void
wr_drain(struct io_wr *w)
{
	size_t off = 0;
	ssize_t r;

	if (w->sink != NULL) {
		if (w->err == 0 && w->len > 0)
			w->err = w->sink(w->arg, w->buf, w->len);
		w->len = 0;
		return;
	}
	while (off < w->len && w->err == 0) {
		r = write(w->fd, w->buf + off, w->len - off);
		if (r > 0)
			off += (size_t)r;
		else if (r == -1 && errno != EINTR)
			w->err = errno;
	}
	w->len = 0;
}

static void
wr_raw(struct io_wr *w, const char *p, size_t n)
{
	size_t k;

	while (n > 0) {
		if (w->len == sizeof(w->buf))
			wr_drain(w);
		k = sizeof(w->buf) - w->len;
		if (k > n)
			k = n;
		memcpy(w->buf + w->len, p, k);
		w->len += k;
		p += k;
		n -= k;
	}
}

/*
 * Line-ending conversion works on runs between line feeds, so the common
 * case is one memchr and one memcpy per line, not a call per byte.  In LF
 * mode a '\r' ending one call is held back until the next byte shows
 * whether it belongs to a "\r\n"; in CRLF mode it is written, and
 * remembered so that a '\n' starting the next call gets no second '\r'.
 */
static void
wr_convert(struct io_wr *w, const char *p, size_t n)
{
	const char *nl, *end = p + n;
	size_t run;

	if (w->eol == IO_EOL_LF && w->lastcr) {
		w->lastcr = 0;
		if (*p != '\n')
			wr_raw(w, "\r", 1);
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			run = (size_t)(end - p);
			if (w->eol == IO_EOL_LF && end[-1] == '\r') {
				run--;
				w->lastcr = 1;
			} else
				w->lastcr = end[-1] == '\r';
			wr_raw(w, p, run);
			return;
		}
		run = (size_t)(nl - p);
		if (w->eol == IO_EOL_LF) {
			if (run > 0 && nl[-1] == '\r')
				run--;
			wr_raw(w, p, run);
		} else {
			wr_raw(w, p, run);
			if (!(run > 0 ? nl[-1] == '\r' : w->lastcr))
				wr_raw(w, "\r", 1);
		}
		wr_raw(w, "\n", 1);
		w->lastcr = 0;
		p = nl + 1;
	}
}

void
io_wr_write(struct io_wr *w, const void *p, size_t n)
{
	if (n == 0)
		return;
	w->total += n;
	if (w->eol == IO_EOL_KEEP)
		wr_raw(w, p, n);
	else
		wr_convert(w, p, n);
}

void
io_wr_puts(struct io_wr *w, const char *s)
{
	io_wr_write(w, s, strlen(s));
}

void
io_wr_copyfd(struct io_wr *w, int fd)
{
	char buf[IO_BUFSIZE];
	ssize_t r;
	size_t n;

	/* Nothing to convert: the kernel copies from page to page, where
	 * read() and write() would copy twice, through buf (a second of a
	 * 1 GiB decryption).  What sendfile() cannot do (EINVAL: fd is not
	 * a file it maps) goes the other way, from where it stopped. */
	if (w->sink == NULL && w->eol == IO_EOL_KEEP) {
		wr_drain(w);
		while (w->err == 0 && (r = sendfile(w->fd, fd, NULL,
		    1 << 30)) != 0) {
			if (r > 0)
				w->total += (uint64_t)r;
			else if (errno == EINVAL || errno == ENOSYS)
				break;
			else if (errno != EINTR)
				w->err = errno;
		}
	}
	while ((n = io_read(fd, buf, sizeof(buf))) > 0)
		io_wr_write(w, buf, n);
}

int
io_wr_flush(struct io_wr *w)
{
	if (w->eol == IO_EOL_LF && w->lastcr) {
		w->lastcr = 0;
		wr_raw(w, "\r", 1);
	}
	wr_drain(w);
	return w->err;
}

enum io_eol
io_eol_detect(const char *buf, size_t n)
{
	const char *nl = memchr(buf, '\n', n);

	if (nl == NULL)
		return IO_EOL_KEEP;
	return nl > buf && nl[-1] == '\r' ? IO_EOL_CRLF : IO_EOL_LF;
}

const char *
io_eol_str(enum io_eol e)
{
	return e == IO_EOL_CRLF ? "\r\n" : "\n";
}
