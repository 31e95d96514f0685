/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * sign_fuzz: the whole smime-sign filter path on a fuzzed message with
 * alice's test key: both MIME passes, the re-encoding of 8-bit parts
 * (quoted-printable, base64), canonicalisation, the outer header kept
 * apart, the CMS signature and the writing of the result.
 *
 * Bits of the first byte choose opaque or detached, the output's line
 * ends, the digest, PSS (without a --digest: the Ed25519 key of
 * testdata/eddsa instead, whose signature and opaque BER are ours) and
 * --protect-headers=hcp_shy, so that every way out is taken.  What smime-sign writes is then given to smime-verify
 * (policy signature, so that the fuzzed From address does not matter),
 * which must say pass
 * (see acceptable()): anything else of our own signature means the two
 * tools read the entity differently, a bug of the writer.
 */
#include "tool_fuzz.h"

#include <strings.h>

#include "hcp.h"

static char key[64], edkey[64];
static int flags, out = -1, report = -1;
static char reportsrc[16];

static void
setup_sign(struct opts *o)
{
	static const char *digests[] = { NULL, "sha256", "sha384", "sha512" };

	o->key = key;
	o->cert = PKI_DIR "/alice.pem";
	o->store = "/nonexistent/smimetools-fuzz";
	o->opaque = flags & 1;
	o->eol = flags & 2 ? IO_EOL_KEEP : flags & 4 ? IO_EOL_CRLF :
	    IO_EOL_LF;
	o->digest = digests[flags >> 3 & 3];
	o->pss = (flags & 0x20) != 0;
	if (o->pss && o->digest == NULL) {
		/* sha256 with PSS is still taken, with --digest sha256. */
		o->pss = 0;
		o->key = edkey;
		o->cert = PKI_DIR "/../eddsa/eddie.pem";
	}
	/* RFC 9788: hcp_shy obscures most (Subject, From, Date) and adds
	 * the Legacy Display Element; else hp="clear" copies alone. */
	o->protect_headers = flags & 0x40 ? HCP_SHY : HCP_OFF;
}

static void
setup_verify(struct opts *o)
{
	o->policy = POLICY_SIGNATURE;
	o->no_system_ca = 1;
	o->authserv_id = "fuzz.example";
	o->store = "/nonexistent/smimetools-fuzz";
	o->report = reportsrc;
}

/* The whole of a memfd, NUL-terminated; it is emptied for the next run. */
static char *
take(int fd, size_t *len)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *p;

	if (n < 0 || (p = malloc((size_t)n + 1)) == NULL ||
	    pread(fd, p, (size_t)n, 0) != n || ftruncate(fd, 0) == -1 ||
	    lseek(fd, 0, SEEK_SET) == -1)
		abort();
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

static int
has_smime(const uint8_t *data, size_t size)
{
	size_t i;

	for (i = 0; i + 5 <= size; i++)
		if (strncasecmp((const char *)data + i, "pkcs7", 5) == 0)
			return 1;
	return 0;
}

/*
 * What smime-verify may say of what smime-sign wrote.  pass, or a
 * verdict on a signature the input carried ("inner signature: ...").
 * A "fail" of ours is always a bug: the bytes signed are not the bytes
 * written.  Other verdicts of ours are let through when the input held
 * S/MIME parts of its own (a signed part inside makes "neutral", say).
 */
static int
acceptable(const char *line, const uint8_t *data, size_t size)
{
	if (*line == '\0')		/* smime-verify died: not our check */
		return 1;
	if (strstr(line, "\"result\":\"pass\"") != NULL ||
	    strstr(line, "\"comment\":\"inner signature") != NULL)
		return 1;
	return strstr(line, "\"result\":\"fail\"") == NULL &&
	    has_smime(data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *signed_, *line;
	size_t len, n;

	if (out == -1) {
		/* Before the first run: tool_fuzz.h keeps what is open. */
		tool_private_key(key, sizeof(key), "alice");
		tool_private_key(edkey, sizeof(edkey), "../eddsa/eddie");
		if ((out = memfd_create("sign-out", 0)) == -1 ||
		    (report = memfd_create("sign-report", 0)) == -1)
			abort();
		snprintf(reportsrc, sizeof(reportsrc), "fd:%d", report);
	}
	flags = size > 0 ? data[0] >> 1 : 0;
	if (run_tool_to(data, size, tool_sign, setup_sign, out) != ERR_OK) {
		free(take(out, &len));
		return 0;
	}
	signed_ = take(out, &len);
	(void)run_tool_to((const uint8_t *)signed_, len, tool_verify,
	    setup_verify, -1);
	line = take(report, &n);
	if (!acceptable(line, data, size)) {
		fprintf(stderr, "sign_fuzz: smime-verify says %s", line);
		abort();
	}
	free(line);
	free(signed_);
	return 0;
}
