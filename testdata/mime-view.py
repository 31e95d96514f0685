#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
"""mime-view.py READER FILE: what a common reader makes of a message.

READER is "python" (the standard email package, compat32, as mailman
and many scripts read mail) or "gmime" (GMime 3 through GObject
introspection, as Evolution, notmuch and astroid read it).  Prints what
`test-tool mime-view` prints for our parser: one line per entity, depth
first, two spaces per depth, the type/subtype, and for a leaf that is no
message type its transfer encoding and its body's length and FNV-1a
64, CRLF made LF.  A
message/rfc822 entity in an identity encoding holds the message one
deeper; any other message type is a line without body (readers differ in
what else they descend into, and no signature is read there).
Test 0063 compares the three.
"""
import sys

IDENTITY = ("7bit", "8bit", "binary")


def digest(cte, body):
    body = body.replace(b"\r\n", b"\n")
    h = 0xcbf29ce484222325
    for c in body:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return " %s %d:%016x" % (cte, len(body), h)


def line(depth, ctype, cte=None, body=None):
    s = "  " * depth + ctype.lower()
    if body is not None:
        s += digest(cte, body)
    print(s)


def cte_py(part):
    v = part.get("content-transfer-encoding", "7bit")
    return str(v).strip().lower() or "7bit"


def walk_py(part, depth):
    ctype = part.get_content_type()
    if part.get_content_maintype() == "message":
        line(depth, ctype)
        if (ctype == "message/rfc822" and cte_py(part) in IDENTITY and
                part.is_multipart() and part.get_payload()):
            walk_py(part.get_payload(0), depth + 1)
    elif part.is_multipart():
        line(depth, ctype)
        for child in part.get_payload():
            walk_py(child, depth + 1)
    else:
        payload = part.get_payload()
        if isinstance(payload, str):
            payload = payload.encode("ascii", "surrogateescape")
        line(depth, ctype, cte_py(part), payload or b"")


def python(data):
    import email
    from email import policy
    walk_py(email.message_from_bytes(data, policy=policy.compat32), 0)


def gmime(data):
    import gi
    gi.require_version("GMime", "3.0")
    from gi.repository import GMime
    GMime.init()

    def raw(part):
        wrapper = part.get_content()
        if wrapper is None:
            return b""
        src = wrapper.get_stream()
        src.reset()
        mem = GMime.StreamMem.new()
        src.write_to_stream(mem)
        return bytes(mem.get_byte_array())

    def walk(obj, depth):
        ctype = obj.get_content_type().get_mime_type()
        if isinstance(obj, GMime.MessagePart):
            line(depth, ctype)
            enc = obj.get_header("Content-Transfer-Encoding")
            enc = (enc or "7bit").strip().lower()
            msg = obj.get_message()
            if (ctype.lower() == "message/rfc822" and enc in IDENTITY and
                    msg is not None and msg.get_mime_part() is not None):
                walk(msg.get_mime_part(), depth + 1)
        elif isinstance(obj, GMime.Multipart):
            line(depth, ctype)
            for i in range(obj.get_count()):
                walk(obj.get_part(i), depth + 1)
        elif isinstance(obj, GMime.Part):
            enc = GMime.content_encoding_to_string(
                obj.get_content_encoding())
            line(depth, ctype, (enc or "7bit").lower(), raw(obj))
        else:
            line(depth, ctype)

    parser = GMime.Parser.new_with_stream(
        GMime.StreamMem.new_with_buffer(data))
    msg = parser.construct_message(None)
    top = msg.get_mime_part() if msg is not None else None
    if top is None:
        print("text/plain" + digest("7bit", b""))
    else:
        walk(top, 0)


def main():
    data = open(sys.argv[2], "rb").read()
    {"python": python, "gmime": gmime}[sys.argv[1]](data)


main()
