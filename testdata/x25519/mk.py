#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# mk.py OUTDIR RSA-CERT: X25519, X448, EC and RSA recipients and the
# EnvelopedData / AuthEnvelopedData test 0086 reads, written here from the
# RFCs and python3-cryptography's primitives, with no CMS library, so that
# each can be made wrong in one place: RFC 5652 6.2.2 KeyAgreeRecipientInfo,
# RFC 5753 7.2 ECC-CMS-SharedInfo, RFC 8418 (X25519/X448, HKDF), RFC 3394
# key wrap, RFC 5084 (AES-GCM), RFC 8103 (ChaCha20-Poly1305).
#
# OUTDIR gets: a CA (never trusted by anything: smime-decrypt -k/-c only
# pairs key and certificate), x25519 / x25519b / x448 / ec .pem and .key
# (PKCS #8), the plaintext entity pt.txt, and one NAME.der per case.
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric import padding as apad
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
from cryptography.hazmat.primitives.keywrap import aes_key_wrap
from cryptography.x509.oid import NameOID

# --- DER --------------------------------------------------------------------
def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + body

def seq(*xs): return tlv(0x30, b"".join(xs))
def set_(*xs): return tlv(0x31, b"".join(xs))
def octet(b): return tlv(0x04, b)
def bits(b): return tlv(0x03, b"\x00" + b)
def integer(i): return tlv(0x02, i.to_bytes(max(1, (i.bit_length() + 8) // 8), "big"))
def ctx(n, body, cons=True): return tlv((0xa0 if cons else 0x80) | n, body)
def null(): return b"\x05\x00"

def oid(dotted):
    a = [int(x) for x in dotted.split(".")]
    out = bytes([40 * a[0] + a[1]])
    for v in a[2:]:
        enc = [v & 0x7f]
        v >>= 7
        while v:
            enc.insert(0, 0x80 | (v & 0x7f))
            v >>= 7
        out += bytes(enc)
    return tlv(0x06, out)

def algid(o, params=None):
    return seq(oid(o), params) if params is not None else seq(oid(o))

DATA = "1.2.840.113549.1.7.1"
ENVELOPED = "1.2.840.113549.1.7.3"
AUTHENVELOPED = "1.2.840.113549.1.9.16.1.23"
X25519 = "1.3.101.110"
X448 = "1.3.101.111"
ECPUB = "1.2.840.10045.2.1"
P256 = "1.2.840.10045.3.1.7"
WRAP = {16: "2.16.840.1.101.3.4.1.5", 24: "2.16.840.1.101.3.4.1.25",
        32: "2.16.840.1.101.3.4.1.45"}
CBC = {16: "2.16.840.1.101.3.4.1.2", 32: "2.16.840.1.101.3.4.1.42"}
GCM = {16: "2.16.840.1.101.3.4.1.6", 32: "2.16.840.1.101.3.4.1.46"}
CHACHA = "1.2.840.113549.1.9.16.3.18"
KDF = {  # name: (OID, kind, hash)
    "x963-sha1": ("1.3.133.16.840.63.0.2", "x963", hashes.SHA1()),
    "x963-sha224": ("1.3.132.1.11.0", "x963", hashes.SHA224()),
    "x963-sha256": ("1.3.132.1.11.1", "x963", hashes.SHA256()),
    "x963-sha384": ("1.3.132.1.11.2", "x963", hashes.SHA384()),
    "x963-sha512": ("1.3.132.1.11.3", "x963", hashes.SHA512()),
    "hkdf-sha256": ("1.2.840.113549.1.9.16.3.19", "hkdf", hashes.SHA256()),
    "hkdf-sha384": ("1.2.840.113549.1.9.16.3.20", "hkdf", hashes.SHA384()),
    "hkdf-sha512": ("1.2.840.113549.1.9.16.3.21", "hkdf", hashes.SHA512()),
    # cofactor ECDH with the SHA-256 KDF: a KDF we do not take
    "unknown": ("1.3.132.1.14.1", "x963", hashes.SHA256()),
}

# --- keys and certificates ---------------------------------------------------
out = sys.argv[1]
rsa_cert = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
now = datetime.datetime(2020, 1, 1)
ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "0086 test CA")])

def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)

def make_cert(name, priv, serial):
    pub = priv.public_key()
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([
             x509.NameAttribute(NameOID.COMMON_NAME, name),
             x509.NameAttribute(NameOID.EMAIL_ADDRESS, name + "@example.com")]))
         .issuer_name(ca_name).public_key(pub).serial_number(serial)
         .not_valid_before(now)
         .not_valid_after(datetime.datetime(2099, 1, 1))
         .add_extension(x509.SubjectAlternativeName(
             [x509.RFC822Name(name + "@example.com")]), False)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), False)
         .add_extension(x509.KeyUsage(False, False, False, False, True,
                                      False, False, False, False), True))
    cert = b.sign(ca_key, hashes.SHA256())
    write(name + ".pem", cert.public_bytes(serialization.Encoding.PEM))
    write(name + ".key", priv.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    os.chmod(os.path.join(out, name + ".key"), 0o600)
    return cert

keys = {"x25519": x25519.X25519PrivateKey.generate(),
        "x25519b": x25519.X25519PrivateKey.generate(),
        "x448": x448.X448PrivateKey.generate(),
        "ec": ec.generate_private_key(ec.SECP256R1())}
certs = {n: make_cert(n, k, 1000 + i) for i, (n, k) in enumerate(keys.items())}
certs["rsa"] = rsa_cert

def ias(cert):
    return seq(cert.issuer.public_bytes(), integer(cert.serial_number))

def ski(cert):
    return cert.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier).value.digest

PT = (b"Content-Type: text/plain; charset=us-ascii\n\n" +
      b"".join(b"the secret line %d\n" % i for i in range(200)))
write("pt.txt", PT)

# --- one message --------------------------------------------------------------
def kari(to, kdf="hkdf-sha256", wrap=32, ukm=None, cek=None, mutate=()):
    """The KeyAgreeRecipientInfo to certificate `to`, wrapping cek."""
    rk = certs[to].public_key()
    if isinstance(rk, x25519.X25519PublicKey):
        eph = x25519.X25519PrivateKey.generate()
        alg, raw = X25519, eph.public_key().public_bytes_raw()
        z = eph.exchange(rk)
    elif isinstance(rk, x448.X448PublicKey):
        eph = x448.X448PrivateKey.generate()
        alg, raw = X448, eph.public_key().public_bytes_raw()
        z = eph.exchange(rk)
    else:
        eph = ec.generate_private_key(ec.SECP256R1())
        alg, raw = ECPUB, eph.public_key().public_bytes(
            serialization.Encoding.X962,
            serialization.PublicFormat.UncompressedPoint)
        z = eph.exchange(ec.ECDH(), rk)
    if "lowpoint" in mutate:   # u = 0: a point of small order
        raw = bytes(len(raw))
    if "short" in mutate:
        raw = raw[:-1]
    origalg = algid(alg, null() if "origparams" in mutate else None)
    if "origx448" in mutate:
        origalg = algid(X448)
    kdfoid, kind, h = KDF[kdf]
    wrapalg = algid(WRAP[wrap], null() if "wrapparams" in mutate else None)
    info = wrapalg
    if ukm is not None:
        info += ctx(0, octet(ukm))
    info = seq(info + ctx(2, octet((wrap * 8).to_bytes(4, "big"))))
    if kind == "hkdf":
        kek = HKDF(h, wrap, None, info).derive(z)
    else:
        kek = X963KDF(h, wrap, info).derive(z)
    ek = bytearray(aes_key_wrap(kek, cek))
    if "badwrap" in mutate:
        ek[3] ^= 1
    rid = (ctx(0, octet(ski(certs[to])), True) if "ski" in mutate
           else ias(certs[to]))
    body = (integer(3) + ctx(0, ctx(1, origalg + bits(raw))) +
            (ctx(1, octet(ukm)) if ukm is not None else b"") +
            algid(kdfoid, wrapalg) + seq(seq(rid, octet(bytes(ek)))))
    return ctx(1, body)

def ktri(to, cek, oaep=True, mutate=()):
    pk = certs[to].public_key()
    if oaep:
        ek = pk.encrypt(cek, apad.OAEP(apad.MGF1(hashes.SHA256()),
                                       hashes.SHA256(), None))
        sha256 = algid("2.16.840.1.101.3.4.2.1", null())
        alg = algid("1.2.840.113549.1.1.7", seq(
            ctx(0, sha256), ctx(1, algid("1.2.840.113549.1.1.8", sha256))))
    else:
        ek = pk.encrypt(cek, apad.PKCS1v15())
        alg = algid("1.2.840.113549.1.1.1", null())
    if "badek" in mutate:
        ek = bytes(len(ek))
    return seq(integer(0), ias(certs[to]), alg, octet(ek))

def message(ri, cipher="aes-256-gcm", mutate=(), cek=None):
    """EnvelopedData (CBC) or AuthEnvelopedData (GCM, ChaCha) with cek."""
    kind, kl = cipher.rsplit("-", 1)[0], None
    if cipher.startswith("aes"):
        kl = int(cipher.split("-")[1]) // 8
    if cipher.endswith("cbc"):
        iv = os.urandom(16)
        p = padding.PKCS7(128).padder()
        e = Cipher(algorithms.AES(cek), modes.CBC(iv)).encryptor()
        ct = e.update(p.update(PT) + p.finalize()) + e.finalize()
        calg = algid(CBC[kl], octet(iv))
        tag = None
    else:
        nonce = os.urandom(8 if "nonce8" in mutate else 12)
        if cipher.endswith("gcm"):
            sealed = AESGCM(cek).encrypt(nonce, PT, None) if len(nonce) == 12 \
                else Cipher(algorithms.AES(cek), modes.GCM(nonce)).encryptor()
            if len(nonce) != 12:
                e = sealed
                sealed = e.update(PT) + e.finalize() + e.tag
            # noicv: icvLen left out, which says 12 (RFC 5084 3.2)
            calg = algid(GCM[kl], seq(octet(nonce)) if "noicv" in mutate
                         else seq(octet(nonce), integer(16)))
        else:
            if len(nonce) == 12:
                sealed = ChaCha20Poly1305(cek).encrypt(nonce, PT, None)
            else:   # no 8-byte nonce in the AEAD: the tag is noise
                sealed = os.urandom(len(PT) + 16)
            calg = algid(CHACHA, octet(nonce))
        ct, tag = bytearray(sealed[:-16]), bytearray(sealed[-16:])
        if "tag" in mutate:
            tag[0] ^= 1
        if "ct" in mutate:
            ct[5] ^= 1
        if "tag12" in mutate:
            tag = tag[:12]
        ct, tag = bytes(ct), bytes(tag)
    eci = seq(oid(DATA), calg, ctx(0, ct, False))
    if tag is None or "enveloped" in mutate:
        env = seq(integer(2), set_(ri), eci)
        return seq(oid(ENVELOPED), ctx(0, env))
    env = seq(integer(0), set_(ri), eci, octet(tag))
    return seq(oid(AUTHENVELOPED), ctx(0, env))

def parse(d, i=0):
    """One TLV of DER at i: (tag, body, next)."""
    tag, n = d[i], d[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(d[i:i + k], "big")
        i += k
    return tag, d[i:i + n], i + n

def ber(d, chunk=100):
    """DER made BER as streaming senders write it: every constructed
    value of indefinite length, the ciphertext ([0] IMPLICIT OCTET
    STRING, 0x80) as a constructed string of chunks."""
    out, i = b"", 0
    while i < len(d):
        tag, body, i = parse(d, i)
        if tag == 0x80 and len(body) > chunk:
            out += b"\xa0\x80" + b"".join(
                octet(body[j:j + chunk]) for j in range(0, len(body), chunk))
            out += b"\0\0"
        elif tag & 0x20:
            out += bytes([tag, 0x80]) + ber(body, chunk) + b"\0\0"
        else:
            out += tlv(tag, body)
    return out

def case(name, to, cipher="aes-256-gcm", rmut=(), mmut=(), ceklen=None,
         **kw):
    kl = 32 if "chacha" in cipher else int(cipher.split("-")[1]) // 8
    cek = os.urandom(kl)
    wrapped = os.urandom(ceklen) if ceklen else cek
    if to == "rsa" or to == "rsa-v15":
        ri = ktri("rsa", wrapped, oaep=to == "rsa", mutate=rmut)
    else:
        ri = kari(to, cek=wrapped, mutate=rmut, **kw)
    der = message(ri, cipher, mmut, cek)
    write(name + ".der", der)
    if "ber" in mmut:
        write(name + "-ber.der", ber(der))

# Good: each decrypts to pt.txt.
case("x25519-hkdf256-gcm", "x25519", mmut=("ber",))
case("x25519-x963sha256-cbc", "x25519", "aes-128-cbc", kdf="x963-sha256", wrap=16,
     mmut=("ber",))
case("x25519-x963sha1-cbc", "x25519", "aes-256-cbc", kdf="x963-sha1", wrap=24)
case("x25519-x963sha224-gcm", "x25519", "aes-128-gcm", kdf="x963-sha224", wrap=16)
case("x25519-hkdf384-gcm", "x25519", kdf="hkdf-sha384")
case("x25519-hkdf512-chacha", "x25519", "chacha20-poly1305", kdf="hkdf-sha512")
case("x25519-ukm", "x25519", kdf="hkdf-sha256", ukm=os.urandom(64))
case("x25519-ukm-x963", "x25519", "aes-128-cbc", kdf="x963-sha384", ukm=b"u" * 200, wrap=16)
case("x25519-ski", "x25519", "chacha20-poly1305", rmut=("ski",))
case("x448-hkdf512-gcm", "x448", kdf="hkdf-sha512")
case("x448-x963sha512-cbc", "x448", "aes-256-cbc", kdf="x963-sha512", wrap=16)
case("x448-chacha", "x448", "chacha20-poly1305")
case("ec-hkdf-chacha", "ec", "chacha20-poly1305")
case("ec-hkdf-gcm", "ec", "aes-128-gcm", wrap=16)
case("ec-x963-gcm", "ec", "aes-128-gcm", kdf="x963-sha256", wrap=16)
case("rsa-oaep-chacha", "rsa", "chacha20-poly1305", mmut=("ber",))
case("rsa-v15-chacha", "rsa-v15", "chacha20-poly1305")
# Bad after a key matched: cannot decrypt.
case("lowpoint", "x25519", rmut=("lowpoint",))
case("short-key", "x25519", rmut=("short",))
case("orig-params", "x25519", rmut=("origparams",))
case("orig-x448", "x25519", rmut=("origx448",))
case("unknown-kdf", "x25519", kdf="unknown")
case("bad-wrap", "x25519", rmut=("badwrap",))
case("wrap-params", "x25519", rmut=("wrapparams",))
case("cek-length", "x25519", "aes-128-gcm", ceklen=32)
case("gcm-tag", "x25519", mmut=("tag",))
case("gcm-ct", "x25519", mmut=("ct",))
case("chacha-tag", "x25519", "chacha20-poly1305", mmut=("tag", "ber"))
case("chacha-ct", "x25519", "chacha20-poly1305", mmut=("ct",))
case("rsa-chacha-badek", "rsa", "chacha20-poly1305", rmut=("badek",))
case("rsa-chacha-tag", "rsa", "chacha20-poly1305", mmut=("tag",))
# Refused before any key is used: cipher not allowed.
case("chacha-tag12", "x25519", "chacha20-poly1305", mmut=("tag12",))
case("gcm-tag12", "x25519", mmut=("tag12",))
case("chacha-nonce8", "x25519", "chacha20-poly1305", mmut=("nonce8",))
case("gcm-nonce8", "x25519", mmut=("nonce8",))
case("gcm-noicv", "x25519", mmut=("noicv",))
case("chacha-enveloped", "x25519", "chacha20-poly1305", mmut=("enveloped",))
# For another X25519 key: no matching key.
case("other-recipient", "x25519b")
