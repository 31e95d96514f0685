#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# attrs.py MODULE PIN: ask the token, as any PKCS#11 application may, for
# the secret values of every private key on it (RSA: CKA_PRIVATE_EXPONENT
# and the primes; EC: CKA_VALUE), and print one line per key and
# attribute:
#
#   LABEL ATTRIBUTE CKR_NAME LENGTH
#
# where LENGTH is "unavailable" for CK_UNAVAILABLE_INFORMATION.  A key
# that stays on the token answers CKR_ATTRIBUTE_SENSITIVE, unavailable,
# for each.  Also "LABEL sensitive=1 extractable=0" from the key's flags.
# The module's C_* entry points are called directly (SoftHSM exports
# them); the first token with a slot present is used.
import ctypes
import sys

CKR = {0x0: "CKR_OK", 0x11: "CKR_ATTRIBUTE_SENSITIVE",
       0x12: "CKR_ATTRIBUTE_TYPE_INVALID", 0x150: "CKR_BUFFER_TOO_SMALL"}
CKA_CLASS, CKA_LABEL, CKA_KEY_TYPE = 0x0, 0x3, 0x100
CKA_SENSITIVE, CKA_EXTRACTABLE = 0x103, 0x162
SECRETS = {0x0: [("CKA_PRIVATE_EXPONENT", 0x123), ("CKA_PRIME_1", 0x124),
                 ("CKA_PRIME_2", 0x125)],	# CKK_RSA
           0x3: [("CKA_VALUE", 0x11)]}		# CKK_EC
UNAVAILABLE = ctypes.c_ulong(-1).value

ulong = ctypes.c_ulong


class Attr(ctypes.Structure):
    _fields_ = [("type", ulong), ("pValue", ctypes.c_void_p),
                ("ulValueLen", ulong)]


def check(rv, what):
    if rv != 0:
        sys.exit("attrs.py: %s: 0x%x" % (what, rv))


def get(lib, h, obj, t, size=256):
    buf = ctypes.create_string_buffer(size)
    a = Attr(t, ctypes.cast(buf, ctypes.c_void_p), size)
    rv = lib.C_GetAttributeValue(h, obj, ctypes.byref(a), ulong(1))
    return rv, a.ulValueLen, buf.raw[:a.ulValueLen] if rv == 0 else b""


def main():
    lib = ctypes.CDLL(sys.argv[1])
    pin = sys.argv[2].encode()
    for f in ("C_GetSlotList", "C_OpenSession", "C_Login",
              "C_FindObjectsInit", "C_FindObjects", "C_FindObjectsFinal",
              "C_GetAttributeValue"):
        getattr(lib, f).restype = ulong
    lib.C_Initialize.restype = ulong
    check(lib.C_Initialize(None), "C_Initialize")
    n = ulong(0)
    check(lib.C_GetSlotList(ulong(1), None, ctypes.byref(n)), "C_GetSlotList")
    slots = (ulong * max(n.value, 1))()
    check(lib.C_GetSlotList(ulong(1), slots, ctypes.byref(n)), "C_GetSlotList")
    h = ulong(0)
    check(lib.C_OpenSession(slots[0], ulong(4 | 2), None, None,
                            ctypes.byref(h)), "C_OpenSession")
    check(lib.C_Login(h, ulong(1), pin, ulong(len(pin))), "C_Login")
    cls = ulong(3)	# CKO_PRIVATE_KEY
    tmpl = Attr(CKA_CLASS, ctypes.cast(ctypes.byref(cls), ctypes.c_void_p),
                ctypes.sizeof(cls))
    check(lib.C_FindObjectsInit(h, ctypes.byref(tmpl), ulong(1)),
          "C_FindObjectsInit")
    objs = (ulong * 64)()
    count = ulong(0)
    check(lib.C_FindObjects(h, objs, ulong(64), ctypes.byref(count)),
          "C_FindObjects")
    lib.C_FindObjectsFinal(h)
    for i in range(count.value):
        o = objs[i]
        _, _, label = get(lib, h, o, CKA_LABEL)
        label = label.decode() or "-"
        _, _, kt = get(lib, h, o, CKA_KEY_TYPE)
        kt = int.from_bytes(kt, sys.byteorder)
        _, _, s = get(lib, h, o, CKA_SENSITIVE)
        _, _, x = get(lib, h, o, CKA_EXTRACTABLE)
        print("%s sensitive=%d extractable=%d" % (label, s[0], x[0]))
        for name, t in SECRETS.get(kt, []):
            rv, n, _ = get(lib, h, o, t, 1024)
            print("%s %s %s %s" % (label, name, CKR.get(rv, hex(rv)),
                  "unavailable" if n == UNAVAILABLE else n))
    lib.C_Finalize(None)


main()
