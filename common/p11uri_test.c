/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * p11uri_test: RFC 7512's own examples (section 3) and the URIs that
 * must be refused.
 */
#include <string.h>

#include "p11uri.h"
#include "tap.h"

static int
parses(const char *uri, struct p11uri *u)
{
	const char *why = NULL;

	return p11uri_parse(uri, u, &why) == 0;
}

static int
rec_ok(const char *text, struct p11rec *r)
{
	const char *why = NULL;

	return p11rec_parse(text, strlen(text), r, &why) == 0;
}

static int
rec_refused(const char *text)
{
	struct p11rec r;
	const char *why = NULL;

	return p11rec_parse(text, strlen(text), &r, &why) == -1 &&
	    why != NULL;
}

static int
refused(const char *uri)
{
	struct p11uri u;
	const char *why = NULL;

	return p11uri_parse(uri, &u, &why) == -1 && why != NULL;
}

int
main(void)
{
	struct p11uri u;
	const char *why = NULL;

	tap_ok(parses("pkcs11:token=smimetools;object=alice;type=private", &u) &&
	    strcmp(u.token, "smimetools") == 0 &&
	    strcmp(u.object, "alice") == 0 && strcmp(u.type, "private") == 0,
	    "token, object, type");
	/* RFC 7512 3: percent-encoded values, a binary id. */
	tap_ok(parses("pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;"
	    "manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;"
	    "type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=", &u) &&
	    strcmp(u.token, "The Software PKCS#11 Softtoken") == 0 &&
	    strcmp(u.manufacturer, "Snake Oil, Inc.") == 0 &&
	    u.id_len == 8 && memcmp(u.id, "\x69\x95\x3e\x5c\xf4\xbd\xec\x91",
	    8) == 0 && strcmp(u.type, "cert") == 0,
	    "RFC 7512's example with a binary id");
	tap_ok(parses("pkcs11:object=my-sign-key;type=private"
	    "?module-path=/mnt/libmypkcs11.so.1", &u) &&
	    strcmp(u.module_path, "/mnt/libmypkcs11.so.1") == 0,
	    "module-path in the query");
	tap_ok(parses("pkcs11:token=a?pin-source=file:/etc/token%3Fpin&"
	    "module-path=/x/y.so", &u) &&
	    strcmp(u.pin_source, "file:/etc/token?pin") == 0 &&
	    strcmp(u.module_path, "/x/y.so") == 0, "two query attributes");
	tap_ok(parses("PKCS11:id=%01", &u) && u.id_len == 1 && u.id[0] == 1,
	    "the scheme in capitals, an id alone");

	tap_ok(refused("pkcs11:token=a?pin-value=1234"),
	    "a PIN in the URI is refused");
	p11uri_parse("pkcs11:token=a?pin-value=1234", &u, &why);
	tap_ok(strstr(why, "--passin") != NULL, "and the reason names --passin");
	tap_ok(refused("pkcs11:token=a;token=b"), "a path attribute twice");
	tap_ok(refused("pkcs11:slot-id=3;object=a"),
	    "an attribute the reader does not take (slot-id)");
	tap_ok(refused("pkcs11:x-vendor=1;object=a"), "a vendor attribute");
	tap_ok(refused("pkcs11:object=a%2"), "a cut escape");
	tap_ok(refused("pkcs11:object=a%zz"), "a bad escape");
	tap_ok(refused("pkcs11:object=a%00b"), "a NUL in a name");
	tap_ok(refused("pkcs11:type=secret"), "an unknown type");
	tap_ok(refused("pkcs11:object"), "an attribute without '='");
	tap_ok(refused("pkcs11:"), "names nothing");
	tap_ok(refused("pkcs11:model=x"), "names neither token nor object");
	tap_ok(refused("file:///k.pem"), "not a pkcs11: URI");
	tap_ok(refused("pkcs11:object=a b"), "a raw space");
	tap_ok(refused("pkcs11:object=a\nb"), "a raw newline");
	tap_ok(refused("pkcs11:object=\xc3\xa9"), "a raw 8-bit byte");
	tap_ok(refused("pkcs11:token=a;;object=b"), "an empty attribute");
	tap_ok(parses("pkcs11:token=", &u) && (u.present & P11URI_TOKEN) &&
	    u.token[0] == '\0', "an empty token label is a token attribute "
	    "(p11_fuzz's first finding: its check was the old one)");
	tap_ok(parses("pkcs11:token=a;object=;id=%01", &u) &&
	    (u.present & P11URI_OBJECT) && u.object[0] == '\0' &&
	    (u.present & P11URI_TOKEN) && !(u.present & P11URI_SERIAL),
	    "an empty object is present (it matches only an empty label)");
	tap_ok(parses("pkcs11:token=a?pin-source=file:///etc/pin", &u) &&
	    p11uri_pin_file(&u) != NULL &&
	    strcmp(p11uri_pin_file(&u), "/etc/pin") == 0,
	    "pin-source file:///PATH");
	tap_ok(parses("pkcs11:token=a?pin-source=file:pin", &u) &&
	    p11uri_pin_file(&u) == NULL, "a relative pin-source is no file");
	tap_ok(parses("pkcs11:token=a?pin-source=%7Cgetpin", &u) &&
	    p11uri_pin_file(&u) == NULL, "a pin-source command is no file");
	{
		char big[700] = "pkcs11:object=";

		memset(big + 14, 'a', 300);
		big[314] = '\0';
		tap_ok(refused(big), "a value over 256 bytes");
	}

	/* The store's record, keys/<fp>.p11. */
	{
		struct p11rec r;

		tap_ok(rec_ok("# a comment\n\nuri=pkcs11:token=t;object=k\n"
		    "module=/usr/lib/m.so\npin-source=file:/etc/pin\n", &r) &&
		    strcmp(r.uri, "pkcs11:token=t;object=k") == 0 &&
		    strcmp(r.module, "/usr/lib/m.so") == 0 &&
		    strcmp(r.pin_source, "file:/etc/pin") == 0,
		    "record: uri, module, pin-source");
		tap_ok(rec_ok("uri=pkcs11:id=%01\nmodule=/m.so\n", &r) &&
		    r.pin_source[0] == '\0', "record: no pin-source");
	}
	tap_ok(rec_refused("module=/m.so\n"), "record: no uri");
	tap_ok(rec_refused("uri=pkcs11:id=%01\n"), "record: no module");
	tap_ok(rec_refused("uri=pkcs11:id=%01\nmodule=m.so\n"),
	    "record: a relative module");
	tap_ok(rec_refused("uri=pkcs11:id=%01\nmodule=/m.so"),
	    "record: a last line without its newline");
	tap_ok(rec_refused("uri=pkcs11:id=%01\nuri=pkcs11:id=%02\n"
	    "module=/m.so\n"), "record: uri twice");
	tap_ok(rec_refused("uri=pkcs11:id=%01\nmodule=/m.so\npin=1234\n"),
	    "record: an unknown name (a PIN has no place)");
	tap_ok(rec_refused("uri=pkcs11:id=%01\nmodule=/m.so\n"
	    "pin-source=pass:1234\n"), "record: a pin-source that is the PIN");
	tap_ok(rec_refused("uri=pkcs11:id=%01\nmodule=/m.so\n"
	    "pin-source=file:pin\n"), "record: a relative pin file");
	tap_ok(rec_refused("uri=pkcs11:id=%01?pin-value=1\nmodule=/m.so\n"),
	    "record: a URI with a PIN");
	tap_ok(rec_refused("uri=pkcs11:id=%01\nmodule=/m\r.so\n"),
	    "record: a control character");
	tap_ok(rec_refused("uri=pkcs11:id=%01\nmodule /m.so\n"),
	    "record: a line without '='");
	return tap_done();
}
