/*
 * sign: see sign.h.
 */
#include "io.h"
#include "opts.h"
#include "sign.h"

enum err_class
sign_main(void)
{
	char buf[IO_BUFSIZE];
	int fd = io_in_open(opt.in);

	/* SPEC.md: nothing to sign is bad data (65), whatever is missing. */
	if (io_read(fd, buf, sizeof(buf)) == 0)
		xdie(ERR_DATA, "empty input: nothing to sign");
	xdie(ERR_SOFTWARE, "signing is not implemented yet");
}
