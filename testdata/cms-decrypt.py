#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
"""cms-decrypt.py KEY CERT <DER >PLAINTEXT

An independent reader of what smime-encrypt writes, for the tests: a
small BER walker (indefinite lengths, constructed OCTET STRINGs) and
python3-cryptography, no OpenSSL CMS.  Decrypts an EnvelopedData or
AuthEnvelopedData for the RecipientInfo that names CERT by
issuerAndSerialNumber:
  KeyTransRecipientInfo: rsaEncryption (PKCS#1 v1.5), id-RSAES-OAEP
    (SHA-256, MGF1-SHA-256 only, as we write it);
  KeyAgreeRecipientInfo: X25519 / X448 originatorKey, RFC 8418
    dhSinglePass-stdDH-hkdf-sha256/384/512-scheme and the X9.63 KDF
    identifiers of RFC 5753, id-aes128/192/256-wrap;
  content: AES-CBC, AES-GCM, ChaCha20-Poly1305 (RFC 8103).
Checks the shapes RFC 8418 and RFC 8103 fix (no parameters on the key's
algorithm, absent key-wrap parameters, a 12-byte nonce, a 16-byte tag,
the structure's version) and says on stderr what it found:
  kari=X25519 kdf=hkdf-sha256 wrap=aes256-wrap ukm=no cipher=chacha20-poly1305
Exit 1 on any failure, the reason on stderr, nothing on stdout.
"""
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, x25519, x448
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import (AESGCM,
                                                         ChaCha20Poly1305)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap
from cryptography.hazmat.primitives import padding as sympad


class Bad(Exception):
    pass


def need(cond, why):
    if not cond:
        raise Bad(why)


class Node:
    """One BER element: tag octet, raw header+content (definite only),
    and either bytes (primitive) or children (constructed)."""

    def __init__(self, tag, value, raw):
        self.tag, self.value, self.raw = tag, value, raw

    @property
    def cons(self):
        return bool(self.tag & 0x20)

    def kids(self):
        need(self.cons, "expected a constructed element")
        return self.value

    def octets(self):
        """An OCTET STRING's contents, segments joined."""
        if not self.cons:
            return self.value
        return b"".join(k.octets() for k in self.value)


def parse(d, i=0, depth=0):
    need(depth < 64, "too deep")
    need(i + 2 <= len(d), "truncated")
    start, tag = i, d[i]
    need(tag & 0x1f != 0x1f, "high tag number")
    n = d[i + 1]
    i += 2
    if n == 0x80:
        need(tag & 0x20, "indefinite primitive")
        kids = []
        while True:
            need(i + 2 <= len(d), "truncated")
            if d[i] == 0 and d[i + 1] == 0:
                return Node(tag, kids, None), i + 2
            k, i = parse(d, i, depth + 1)
            kids.append(k)
    if n & 0x80:
        m = n & 0x7f
        need(0 < m <= 4 and i + m <= len(d), "bad length")
        n = int.from_bytes(d[i:i + m], "big")
        i += m
    need(i + n <= len(d), "length past the end")
    body = d[i:i + n]
    end = i + n
    if tag & 0x20:
        kids, j = [], 0
        while j < len(body):
            k, j = parse(body, j, depth + 1)
            kids.append(k)
        return Node(tag, kids, d[start:end]), end
    return Node(tag, body, d[start:end]), end


def oid(node):
    need(node.tag == 0x06, "expected an OID")
    b = node.value
    out = [b[0] // 40 if b[0] < 80 else 2, b[0] % 40 if b[0] < 80 else
           b[0] - 80]
    v = 0
    for c in b[1:]:
        v = (v << 7) | (c & 0x7f)
        if not c & 0x80:
            out.append(v)
            v = 0
    return ".".join(map(str, out))


def der(tag, body):
    n = len(body)
    if n < 0x80:
        hl = bytes([n])
    else:
        nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
        hl = bytes([0x80 | len(nb)]) + nb
    return bytes([tag]) + hl + body


ENVELOPED = "1.2.840.113549.1.7.3"
AUTHENVELOPED = "1.2.840.113549.1.9.16.1.23"
RSA = "1.2.840.113549.1.1.1"
OAEP = "1.2.840.113549.1.1.7"
X25519, X448 = "1.3.101.110", "1.3.101.111"
KDFS = {
    "1.2.840.113549.1.9.16.3.19": ("hkdf", hashes.SHA256),
    "1.2.840.113549.1.9.16.3.20": ("hkdf", hashes.SHA384),
    "1.2.840.113549.1.9.16.3.21": ("hkdf", hashes.SHA512),
    "1.3.133.16.840.63.0.2": ("x963", hashes.SHA1),
    "1.3.132.1.11.1": ("x963", hashes.SHA256),
    "1.3.132.1.11.2": ("x963", hashes.SHA384),
    "1.3.132.1.11.3": ("x963", hashes.SHA512),
}
WRAPS = {"2.16.840.1.101.3.4.1.5": ("aes128-wrap", 16),
         "2.16.840.1.101.3.4.1.25": ("aes192-wrap", 24),
         "2.16.840.1.101.3.4.1.45": ("aes256-wrap", 32)}
CIPHERS = {
    "2.16.840.1.101.3.4.1.2": ("aes-128-cbc", 16),
    "2.16.840.1.101.3.4.1.22": ("aes-192-cbc", 24),
    "2.16.840.1.101.3.4.1.42": ("aes-256-cbc", 32),
    "2.16.840.1.101.3.4.1.6": ("aes-128-gcm", 16),
    "2.16.840.1.101.3.4.1.26": ("aes-192-gcm", 24),
    "2.16.840.1.101.3.4.1.46": ("aes-256-gcm", 32),
    "1.2.840.113549.1.9.16.3.18": ("chacha20-poly1305", 32),
}
SHA256 = "2.16.840.1.101.3.4.2.1"
MGF1 = "1.2.840.113549.1.1.8"


def ias_of(cert):
    """The DER of cert's IssuerAndSerialNumber."""
    serial = cert.serial_number
    sb = serial.to_bytes((serial.bit_length() + 8) // 8, "big")
    return der(0x30, cert.issuer.public_bytes() + der(0x02, sb))


def ktri(ri, key, ias, found):
    k = ri.kids()
    need(k[1].raw == ias, "not ours")
    alg = k[2].kids()
    a = oid(alg[0])
    if a == RSA:
        found.append("ktri=rsa")
        return key.decrypt(k[3].octets(), padding.PKCS1v15())
    need(a == OAEP, "key transport " + a)
    params = alg[1].kids()
    need(oid(params[0].kids()[0].kids()[0]) == SHA256, "OAEP hash")
    mgf = params[1].kids()[0].kids()
    need(oid(mgf[0]) == MGF1 and oid(mgf[1].kids()[0]) == SHA256, "MGF")
    found.append("ktri=rsa-oaep")
    return key.decrypt(k[3].octets(), padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
        label=None))


def kari(ri, key, ias, found):
    k = ri.kids()
    need(k[0].value == b"\x03", "kari version")
    orig = k[1].kids()[0]
    need(orig.tag == 0xa1, "originator is not an originatorKey")
    alg, pub = orig.kids()
    algk = alg.kids()
    need(len(algk) == 1, "parameters on the originator key's algorithm")
    ka = oid(algk[0])
    need(pub.value[0] == 0, "unused bits in the public key")
    rest = k[2:]
    ukm = None
    if rest[0].tag == 0xa1:
        ukm = rest[0].kids()[0].octets()
        rest = rest[1:]
    kea = rest[0].kids()
    kdf, md = KDFS[oid(kea[0])]
    wrapk = kea[1].kids()
    need(len(wrapk) == 1, "key-wrap parameters present")
    wname, keklen = WRAPS[oid(wrapk[0])]
    for rek in rest[1].kids():
        rk = rek.kids()
        if rk[0].raw != ias:
            continue
        if ka == X25519:
            z = key.exchange(x25519.X25519PublicKey.from_public_bytes(
                pub.value[1:]))
        else:
            need(ka == X448, "key agreement " + ka)
            z = key.exchange(x448.X448PublicKey.from_public_bytes(
                pub.value[1:]))
        need(z != bytes(len(z)), "all-zero shared secret")
        info = kea[1].raw
        if ukm is not None:
            info += der(0xa0, der(0x04, ukm))
        info += der(0xa2, der(0x04, (keklen * 8).to_bytes(4, "big")))
        info = der(0x30, info)
        if kdf == "hkdf":
            kek = HKDF(md(), keklen, None, info).derive(z)
        else:
            kek = X963KDF(md(), keklen, info).derive(z)
        found.append("kari=%s kdf=%s-%s wrap=%s ukm=%s" % (
            "X25519" if ka == X25519 else "X448", kdf, md.name, wname,
            "yes" if ukm is not None else "no"))
        return aes_key_unwrap(kek, rk[1].octets())
    raise Bad("not ours")


def main():
    key = serialization.load_pem_private_key(
        open(sys.argv[1], "rb").read(), None)
    cert = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
    data = sys.stdin.buffer.read()
    ci, end = parse(data)
    need(end == len(data), "trailing data")
    ctype = oid(ci.kids()[0])
    need(ctype in (ENVELOPED, AUTHENVELOPED), "not enveloped: " + ctype)
    auth = ctype == AUTHENVELOPED
    env = ci.kids()[1].kids()[0].kids()
    version = env[0].value[0]
    ris = env[1].kids()
    ias = ias_of(cert)
    found, cek = [], None
    has_kari = any(ri.tag == 0xa1 for ri in ris)
    if auth:
        need(version == 0, "AuthEnvelopedData version %d" % version)
    else:
        need(version == (2 if has_kari else 0),
             "EnvelopedData version %d" % version)
    for ri in ris:
        try:
            if ri.tag == 0x30:
                cek = ktri(ri, key, ias, found)
            elif ri.tag == 0xa1:
                cek = kari(ri, key, ias, found)
        except Bad as e:
            if str(e) != "not ours":
                raise
            continue
        break
    need(cek is not None, "no RecipientInfo for this certificate")
    eci = env[2].kids()
    alg = eci[1].kids()
    name, klen = CIPHERS[oid(alg[0])]
    need(len(cek) == klen, "CEK length")
    ct = eci[2].octets()
    if name.endswith("cbc"):
        need(not auth, "CBC in AuthEnvelopedData")
        iv = alg[1].octets()
        need(len(iv) == 16, "IV length")
        d = Cipher(algorithms.AES(cek), modes.CBC(iv)).decryptor()
        padded = d.update(ct) + d.finalize()
        u = sympad.PKCS7(128).unpadder()
        pt = u.update(padded) + u.finalize()
    else:
        need(auth, "AEAD in EnvelopedData")
        mac = env[3].octets()
        need(len(env) == 4 and env[3].tag == 0x04, "authAttrs present")
        need(len(mac) == 16, "tag length %d" % len(mac))
        if name == "chacha20-poly1305":
            nonce = alg[1].octets()
            need(alg[1].tag == 0x04, "ChaCha20 nonce not an OCTET STRING")
            need(len(nonce) == 12, "nonce length")
            pt = ChaCha20Poly1305(cek).decrypt(nonce, ct + mac, None)
        else:
            g = alg[1].kids()
            nonce = g[0].octets()
            need(len(nonce) == 12, "nonce length")
            need(len(g) == 1 or g[1].value == b"\x10", "ICV length")
            pt = AESGCM(cek).decrypt(nonce, ct + mac, None)
    found.append("cipher=" + name)
    print(" ".join(found), file=sys.stderr)
    sys.stdout.buffer.write(pt)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a failure is a failure, whatever raised it
        print("cms-decrypt.py: %s: %s" % (type(e).__name__, e),
              file=sys.stderr)
        sys.exit(1)
