// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The smimetools authors; see LICENSE.
// Peer: Bouncy Castle's CMS as the other end of test 0084, an S/MIME
// implementation that shares no code with OpenSSL.  One JVM run does a
// list of operations (a JVM start costs half a second), each separated by
// a lone "--"; each prints one line "OP LABEL: ok ..." or "OP LABEL: FAIL
// reason" and the run goes on after a failure, so that the test reports
// every cell.  The exit status is 1 when any operation failed.
//
//   sign LABEL KEY CERT detached|opaque[-direct] HDR IN OUT
//	sign the MIME entity IN (canonicalised to CRLF) with the PKCS#8 KEY
//	(Ed25519, Ed448, RSA, EC) for CERT's first certificate (all of
//	CERT's go into the SignedData), with signed attributes or, -direct,
//	without; OUT gets HDR, then a multipart/signed or an
//	application/pkcs7-mime message, the opaque one streamed
//	(CMSSignedDataStreamGenerator: BER, indefinite lengths).
//   verify LABEL CA IN [OUT]
//	verify every SignerInfo of the S/MIME message IN with the signer
//	certificate it carries, which one of CA's certificates must have
//	issued; OUT gets the signed content.
//   encrypt LABEL CERT CIPHER HDR IN OUT
//	encrypt IN as it is to CERT (RSA: key transport; EC, X25519, X448:
//	ephemeral-static key agreement, the X9.63 KDF with SHA-256, SHA-512
//	for X448, AES-256 wrap) with CIPHER (aes-{128,192,256}-{cbc,gcm},
//	chacha20-poly1305); OUT gets HDR and the application/pkcs7-mime
//	entity, CRLF.
//   decrypt LABEL KEY CERT IN OUT
//	decrypt the S/MIME message IN (EnvelopedData or AuthEnvelopedData)
//	for CERT's recipient with KEY; OUT gets the plaintext.
//
// What Bouncy Castle 1.72 (Debian 12) lacks, found with javap and by
// trying: its CMS has no HKDF key derivation (RFC 8418; test 0084 uses
// testdata/bc/hkdf.py for it); its provider does X25519 and X448 with
// the X9.63 KDF but its CMS asks for EC only (see bcx() below); its
// content encryptor builder makes AEAD encryptors for GCM and CCM only,
// not ChaCha20-Poly1305 (RFC 8103), which it decrypts unaided (see
// ChaChaEncryptor).

import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.*;
import java.security.cert.X509Certificate;
import java.util.*;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.GenericKey;
import org.bouncycastle.operator.jcajce.JceGenericKey;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.*;
import org.bouncycastle.cms.jcajce.*;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OutputAEADEncryptor;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.util.Store;

public class Peer {
	static final String BC = "BC";
	static final byte[] CRLF = { '\r', '\n' };

	public static void main(String[] argv) throws Exception {
		Security.addProvider(new BouncyCastleProvider());
		List<List<String>> ops = new ArrayList<>();
		List<String> cur = new ArrayList<>();
		for (String a : argv) {
			if (a.equals("--")) {
				if (!cur.isEmpty())
					ops.add(cur);
				cur = new ArrayList<>();
			} else
				cur.add(a);
		}
		if (!cur.isEmpty())
			ops.add(cur);
		int failed = 0;
		for (List<String> op : ops) {
			String name = op.get(0);
			String label = op.size() > 1 ? op.get(1) : "?";
			String[] a = op.subList(Math.min(2, op.size()),
			    op.size()).toArray(new String[0]);
			String res;
			try {
				switch (name) {
				case "sign": res = sign(a); break;
				case "verify": res = verify(a); break;
				case "encrypt": res = encrypt(a); break;
				case "decrypt": res = decrypt(a); break;
				default: throw new IllegalArgumentException(
				    "unknown operation " + name);
				}
				System.out.println(name + " " + label + ": ok " + res);
			} catch (Exception e) {
				failed++;
				String m = e.toString().replace('\n', ' ');
				Throwable c = e.getCause();
				if (c != null)
					m += " (" + c.toString().replace('\n', ' ') + ")";
				System.out.println(name + " " + label + ": FAIL " + m);
			}
		}
		System.out.flush();
		System.exit(failed == 0 ? 0 : 1);
	}

	// Keys and certificates.

	static PrivateKey readKey(String path) throws Exception {
		try (PEMParser p = new PEMParser(new FileReader(path))) {
			Object o = p.readObject();
			if (!(o instanceof PrivateKeyInfo))
				throw new IOException(path + ": not an unencrypted PKCS#8 key");
			return new JcaPEMKeyConverter().setProvider(BC)
			    .getPrivateKey((PrivateKeyInfo)o);
		}
	}

	static X509Certificate readCert(String path) throws Exception {
		try (PEMParser p = new PEMParser(new FileReader(path))) {
			Object o = p.readObject();
			if (!(o instanceof X509CertificateHolder))
				throw new IOException(path + ": not a certificate");
			return new JcaX509CertificateConverter().setProvider(BC)
			    .getCertificate((X509CertificateHolder)o);
		}
	}

	static List<X509Certificate> readCerts(String path) throws Exception {
		List<X509Certificate> l = new ArrayList<>();
		try (PEMParser p = new PEMParser(new FileReader(path))) {
			Object o;
			while ((o = p.readObject()) != null)
				if (o instanceof X509CertificateHolder)
					l.add(new JcaX509CertificateConverter()
					    .setProvider(BC)
					    .getCertificate((X509CertificateHolder)o));
		}
		return l;
	}

	// MIME, as much as the test's messages need.

	// Lone LFs become CRLF (RFC 8551 3.1.1's canonical form).
	static byte[] crlf(byte[] b) {
		ByteArrayOutputStream o = new ByteArrayOutputStream(b.length + 64);
		for (int i = 0; i < b.length; i++) {
			if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r'))
				o.write('\r');
			o.write(b[i]);
		}
		return o.toByteArray();
	}

	static int indexOf(byte[] b, byte[] pat, int from) {
		outer:
		for (int i = from; i + pat.length <= b.length; i++) {
			for (int j = 0; j < pat.length; j++)
				if (b[i + j] != pat[j])
					continue outer;
			return i;
		}
		return -1;
	}

	// An entity in CRLF form: its unfolded header and where its body starts.
	static class Entity {
		String header;
		int bodyAt;
		byte[] b;

		Entity(byte[] b, int start, int end) throws IOException {
			this.b = Arrays.copyOfRange(b, start, end);
			int e = this.b.length >= 2 && this.b[0] == '\r' && this.b[1] == '\n'
			    ? 0 : indexOf(this.b, "\r\n\r\n".getBytes(), 0);
			if (e < 0)
				throw new IOException("no end of header");
			header = new String(this.b, 0, e, StandardCharsets.ISO_8859_1)
			    .replaceAll("\r\n[ \t]+", " ");
			bodyAt = e == 0 ? 2 : e + 4;
		}

		String field(String name) {
			for (String l : header.split("\r\n"))
				if (l.regionMatches(true, 0, name + ":", 0,
				    name.length() + 1))
					return l.substring(name.length() + 1).trim();
			return null;
		}

		String type() {
			String ct = field("Content-Type");
			return ct == null ? "text/plain"
			    : ct.split(";")[0].trim().toLowerCase();
		}

		String param(String name) {
			String ct = field("Content-Type");
			if (ct == null)
				return null;
			for (String p : ct.split(";")) {
				String[] kv = p.trim().split("=", 2);
				if (kv.length == 2 && kv[0].trim().equalsIgnoreCase(name)) {
					String v = kv[1].trim();
					if (v.startsWith("\"") && v.endsWith("\""))
						v = v.substring(1, v.length() - 1);
					return v;
				}
			}
			return null;
		}

		byte[] body() {
			return Arrays.copyOfRange(b, bodyAt, b.length);
		}

		byte[] base64Body() {
			String s = new String(body(), StandardCharsets.US_ASCII)
			    .replaceAll("[\r\n \t]", "");
			return Base64.getDecoder().decode(s);
		}
	}

	static Entity readMessage(String path) throws Exception {
		byte[] b = crlf(Files.readAllBytes(Paths.get(path)));
		return new Entity(b, 0, b.length);
	}

	// The parts of a multipart entity, as RFC 2046 5.1.1 delimits them:
	// the CRLF before a delimiter belongs to it.
	static List<Entity> parts(Entity m) throws IOException {
		String bnd = m.param("boundary");
		if (bnd == null)
			throw new IOException("multipart without boundary");
		byte[] body = m.body();
		byte[] delim = ("\r\n--" + bnd).getBytes(StandardCharsets.ISO_8859_1);
		List<Entity> l = new ArrayList<>();
		byte[] t = new byte[body.length + 2];
		t[0] = '\r';
		t[1] = '\n';
		System.arraycopy(body, 0, t, 2, body.length);
		int at = indexOf(t, delim, 0);
		while (at >= 0) {
			int s = at + delim.length;
			if (s + 1 < t.length && t[s] == '-' && t[s + 1] == '-')
				break;
			int eol = indexOf(t, CRLF, s);
			if (eol < 0)
				break;
			int next = indexOf(t, delim, eol);
			if (next < 0)
				throw new IOException("no closing delimiter");
			l.add(new Entity(t, eol + 2, next));
			at = next;
		}
		return l;
	}

	static void writeMessage(String hdrPath, String out, String ctype,
	    byte[] body) throws IOException {
		try (OutputStream o = new BufferedOutputStream(
		    new FileOutputStream(out))) {
			o.write(crlf(Files.readAllBytes(Paths.get(hdrPath))));
			o.write(("MIME-Version: 1.0\r\nContent-Type: " + ctype +
			    "\r\n").getBytes(StandardCharsets.US_ASCII));
			o.write(body);
		}
	}

	static byte[] base64Lines(byte[] der) {
		return (Base64.getMimeEncoder(76, CRLF).encodeToString(der) +
		    "\r\n").getBytes(StandardCharsets.US_ASCII);
	}

	// sign

	static String sigAlg(PrivateKey k) {
		switch (k.getAlgorithm()) {
		case "Ed25519": return "Ed25519";
		case "Ed448": return "Ed448";
		case "RSA": return "SHA256withRSA";
		case "EC": case "ECDSA": return "SHA256withECDSA";
		default: throw new IllegalArgumentException(
		    "no signature algorithm for " + k.getAlgorithm() + " keys");
		}
	}

	static String micalg(String alg) {
		switch (alg) {
		case "Ed25519": return "sha-512";	// RFC 8419 3.1
		case "Ed448": return "shake256";
		default: return "sha-256";
		}
	}

	static String sign(String[] a) throws Exception {
		if (a.length != 6)
			throw new IllegalArgumentException(
			    "sign LABEL KEY CERT detached|opaque[-direct] HDR IN OUT");
		PrivateKey key = readKey(a[0]);
		X509Certificate cert = readCert(a[1]);
		if (!a[2].matches("(detached|opaque)(-direct)?"))
			throw new IllegalArgumentException("sign: mode " + a[2]);
		boolean detached = a[2].startsWith("detached");
		boolean direct = a[2].endsWith("-direct");
		byte[] content = crlf(Files.readAllBytes(Paths.get(a[4])));
		String alg = sigAlg(key);
		ContentSigner signer = new JcaContentSignerBuilder(alg)
		    .setProvider(BC).build(key);
		// -direct: no signed attributes, the signature over the content
		// itself (RFC 5652 5.4; for EdDSA, RFC 8419 3.1).
		SignerInfoGenerator sig = new JcaSignerInfoGeneratorBuilder(
		    new JcaDigestCalculatorProviderBuilder().setProvider(BC).build())
		    .setDirectSignature(direct).build(signer, cert);
		// The signer's certificate and the rest of CERT's (its chain).
		JcaCertStore certs = new JcaCertStore(readCerts(a[1]));
		if (detached) {
			CMSSignedDataGenerator g = new CMSSignedDataGenerator();
			g.addSignerInfoGenerator(sig);
			g.addCertificates(certs);
			byte[] der = g.generate(new CMSProcessableByteArray(content),
			    false).getEncoded("DER");
			String bnd = "----=_bc_peer_" + Long.toHexString(
			    new SecureRandom().nextLong());
			ByteArrayOutputStream b = new ByteArrayOutputStream();
			b.write(("\r\nThis is an S/MIME signed message\r\n\r\n--" +
			    bnd + "\r\n").getBytes(StandardCharsets.US_ASCII));
			b.write(content);
			b.write(("\r\n--" + bnd + "\r\n" +
			    "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n" +
			    "Content-Transfer-Encoding: base64\r\n" +
			    "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n")
			    .getBytes(StandardCharsets.US_ASCII));
			b.write(base64Lines(der));
			b.write(("\r\n--" + bnd + "--\r\n")
			    .getBytes(StandardCharsets.US_ASCII));
			writeMessage(a[3], a[5], "multipart/signed;\r\n" +
			    "\tprotocol=\"application/pkcs7-signature\"; micalg=" +
			    micalg(alg) + ";\r\n\tboundary=\"" + bnd + "\"",
			    b.toByteArray());
		} else {
			CMSSignedDataStreamGenerator g =
			    new CMSSignedDataStreamGenerator();
			g.addSignerInfoGenerator(sig);
			g.addCertificates(certs);
			ByteArrayOutputStream der = new ByteArrayOutputStream();
			try (OutputStream o = g.open(der, true)) {
				o.write(content);
			}
			ByteArrayOutputStream b = new ByteArrayOutputStream();
			b.write(("Content-Transfer-Encoding: base64\r\n" +
			    "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n")
			    .getBytes(StandardCharsets.US_ASCII));
			b.write(base64Lines(der.toByteArray()));
			writeMessage(a[3], a[5], "application/pkcs7-mime;" +
			    " smime-type=signed-data; name=\"smime.p7m\"",
			    b.toByteArray());
		}
		return alg + " " + a[2];
	}

	// verify

	static String verify(String[] a) throws Exception {
		if (a.length < 2 || a.length > 3)
			throw new IllegalArgumentException("verify LABEL CA IN [OUT]");
		List<X509Certificate> cas = readCerts(a[0]);
		Entity m = readMessage(a[1]);
		CMSSignedData sd;
		byte[] content;
		String shape;
		if (m.type().equals("multipart/signed")) {
			List<Entity> p = parts(m);
			if (p.size() != 2)
				throw new IOException("multipart/signed with " +
				    p.size() + " parts");
			content = p.get(0).b;
			sd = new CMSSignedData(new CMSProcessableByteArray(content),
			    p.get(1).base64Body());
			shape = "detached";
		} else if (m.type().equals("application/pkcs7-mime") ||
		    m.type().equals("application/x-pkcs7-mime")) {
			sd = new CMSSignedData(m.base64Body());
			content = (byte[])sd.getSignedContent().getContent();
			shape = "opaque";
		} else
			throw new IOException("not a signed message: " + m.type());
		Store<X509CertificateHolder> certs = sd.getCertificates();
		Collection<SignerInformation> signers = sd.getSignerInfos().getSigners();
		if (signers.isEmpty())
			throw new IOException("no SignerInfo");
		StringBuilder algs = new StringBuilder();
		for (SignerInformation si : signers) {
			@SuppressWarnings("unchecked")
			Collection<X509CertificateHolder> c = certs.getMatches(si.getSID());
			if (c.isEmpty())
				throw new IOException("no certificate for the signer");
			X509Certificate cert = new JcaX509CertificateConverter()
			    .setProvider(BC).getCertificate(c.iterator().next());
			boolean issued = false;
			for (X509Certificate ca : cas) {
				try {
					cert.verify(ca.getPublicKey(), BC);
					issued = true;
					break;
				} catch (GeneralSecurityException e) {
				}
			}
			if (!issued)
				throw new IOException("signer certificate not issued by the CA");
			if (!si.verify(new JcaSimpleSignerInfoVerifierBuilder()
			    .setProvider(BC).build(cert)))
				throw new IOException("signature does not verify");
			algs.append(' ').append(cert.getPublicKey().getAlgorithm())
			    .append(' ').append(si.getEncryptionAlgOID());
		}
		if (a.length == 3)
			Files.write(Paths.get(a[2]), content);
		return "pass " + shape + algs;
	}

	// encrypt

	static ASN1ObjectIdentifier cipherOid(String c) {
		switch (c) {
		case "aes-128-cbc": return CMSAlgorithm.AES128_CBC;
		case "aes-192-cbc": return CMSAlgorithm.AES192_CBC;
		case "aes-256-cbc": return CMSAlgorithm.AES256_CBC;
		case "aes-128-gcm": return CMSAlgorithm.AES128_GCM;
		case "aes-192-gcm": return CMSAlgorithm.AES192_GCM;
		case "aes-256-gcm": return CMSAlgorithm.AES256_GCM;
		case "chacha20-poly1305":
			return PKCSObjectIdentifiers.id_alg_AEADChaCha20Poly1305;
		default: throw new IllegalArgumentException(
		    "cipher " + c + " not in Bouncy Castle 1.72's CMS");
		}
	}

	static RecipientInfoGenerator recipient(X509Certificate cert)
	    throws Exception {
		String ka = cert.getPublicKey().getAlgorithm();
		if (ka.equals("RSA"))
			return new JceKeyTransRecipientInfoGenerator(cert)
			    .setProvider(BC);
		// RFC 5753 / RFC 8418 ephemeral-static: a fresh key on the
		// recipient's curve for every message.
		KeyPairGenerator g;
		switch (ka) {
		case "EC": case "ECDSA":
			g = KeyPairGenerator.getInstance("EC", BC);
			g.initialize(((java.security.interfaces.ECPublicKey)
			    cert.getPublicKey()).getParams());
			break;
		case "X25519": case "X448": case "XDH":
			g = KeyPairGenerator.getInstance(
			    cert.getPublicKey().getAlgorithm(), BC);
			break;
		default:
			throw new IllegalArgumentException("no key management for " +
			    ka + " keys");
		}
		KeyPair eph = g.generateKeyPair();
		// X448's only X9.63 KDF in BC 1.72 is SHA-512's.
		return new JceKeyAgreeRecipientInfoGenerator(ka.equals("X448") ?
		    CMSAlgorithm.ECDH_SHA512KDF : CMSAlgorithm.ECDH_SHA256KDF,
		    eph.getPrivate(), eph.getPublic(), CMSAlgorithm.AES256_WRAP)
		    .addRecipient(cert).setProvider(bcx());
	}

	// Bouncy Castle 1.72's CMS asks the provider for the key agreement
	// named by the KARI's OID (dhSinglePass-stdDH-shaNNNkdf-scheme),
	// which its provider maps to EC Diffie-Hellman only; its provider
	// also has X25519 and X448 with the same X9.63 KDF and the same
	// ECC-CMS-SharedInfo (RFC 5753 7.2, which RFC 8418 2.2 keeps).  BCX
	// is the BC provider with those OIDs choosing the agreement by the
	// key: BC's own code does the agreement, the KDF and the wrap; only
	// the choice is ours.
	static Provider bcx;

	static Provider bcx() {
		if (bcx != null)
			return bcx;
		Provider bc = Security.getProvider(BC);
		Provider p = new Provider("BCX", "1.0", "BC, XDH in CMS KARI") {};
		for (Map.Entry<Object, Object> e : bc.entrySet())
			p.put(e.getKey(), e.getValue());
		for (String oid : new String[] { "1.3.132.1.11.1",
		    "1.3.132.1.11.3" }) {
			p.remove("Alg.Alias.KeyAgreement." + oid);
			p.remove("Alg.Alias.KeyAgreement.OID." + oid);
		}
		p.put("KeyAgreement.1.3.132.1.11.1", Sha256Kdf.class.getName());
		p.put("KeyAgreement.1.3.132.1.11.3", Sha512Kdf.class.getName());
		return bcx = p;
	}

	public static class XdhKdf extends javax.crypto.KeyAgreementSpi {
		final String sha;
		javax.crypto.KeyAgreement ka;

		XdhKdf(String sha) {
			this.sha = sha;
		}

		protected void engineInit(Key k, SecureRandom r)
		    throws InvalidKeyException {
			try {
				engineInit(k, null, r);
			} catch (InvalidAlgorithmParameterException e) {
				throw new InvalidKeyException(e);
			}
		}

		protected void engineInit(Key k,
		    java.security.spec.AlgorithmParameterSpec ps, SecureRandom r)
		    throws InvalidKeyException, InvalidAlgorithmParameterException {
			String a = k.getAlgorithm();
			String name = a.equals("X25519") || a.equals("X448") ?
			    a + "WITH" + sha + "KDF" : "ECDHWITH" + sha + "KDF";
			try {
				ka = javax.crypto.KeyAgreement.getInstance(name, BC);
			} catch (GeneralSecurityException e) {
				throw new InvalidKeyException(name + ": " + e);
			}
			ka.init(k, ps, r);
		}

		protected Key engineDoPhase(Key k, boolean last)
		    throws InvalidKeyException {
			return ka.doPhase(k, last);
		}

		protected byte[] engineGenerateSecret() {
			return ka.generateSecret();
		}

		protected int engineGenerateSecret(byte[] b, int off)
		    throws javax.crypto.ShortBufferException {
			return ka.generateSecret(b, off);
		}

		protected javax.crypto.SecretKey engineGenerateSecret(String alg)
		    throws NoSuchAlgorithmException, InvalidKeyException {
			return ka.generateSecret(alg);
		}
	}

	public static class Sha256Kdf extends XdhKdf {
		public Sha256Kdf() {
			super("SHA256");
		}
	}

	public static class Sha512Kdf extends XdhKdf {
		public Sha512Kdf() {
			super("SHA512");
		}
	}

	static String encrypt(String[] a) throws Exception {
		if (a.length != 5)
			throw new IllegalArgumentException(
			    "encrypt LABEL CERT CIPHER HDR IN OUT");
		X509Certificate cert = readCert(a[0]);
		ASN1ObjectIdentifier oid = cipherOid(a[1]);
		byte[] in = Files.readAllBytes(Paths.get(a[3]));
		boolean aead = !a[1].endsWith("-cbc");
		byte[] der;
		if (aead) {
			CMSAuthEnvelopedDataGenerator g =
			    new CMSAuthEnvelopedDataGenerator();
			g.addRecipientInfoGenerator(recipient(cert));
			OutputAEADEncryptor enc = a[1].equals("chacha20-poly1305") ?
			    new ChaChaEncryptor() : (OutputAEADEncryptor)
			    new JceCMSContentEncryptorBuilder(oid)
			    .setProvider(BC).build();
			der = g.generate(new CMSProcessableByteArray(in), enc)
			    .getEncoded();
		} else {
			CMSEnvelopedDataGenerator g = new CMSEnvelopedDataGenerator();
			g.addRecipientInfoGenerator(recipient(cert));
			OutputEncryptor enc = new JceCMSContentEncryptorBuilder(oid)
			    .setProvider(BC).build();
			der = g.generate(new CMSProcessableByteArray(in), enc)
			    .getEncoded();
		}
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		b.write(("Content-Transfer-Encoding: base64\r\n" +
		    "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n")
		    .getBytes(StandardCharsets.US_ASCII));
		b.write(base64Lines(der));
		writeMessage(a[2], a[4], "application/pkcs7-mime; smime-type=" +
		    (aead ? "authEnveloped-data" : "enveloped-data") +
		    "; name=\"smime.p7m\"", b.toByteArray());
		return a[1] + " " + cert.getPublicKey().getAlgorithm();
	}

	// RFC 8103 content encryption for CMSAuthEnvelopedDataGenerator,
	// whose content encryptor builder in 1.72 builds AEAD encryptors for
	// GCM and CCM only: the cipher is the BC provider's
	// ChaCha20-Poly1305, the structure and the key management BC's CMS;
	// the glue (a fresh key and nonce, the tag cut off the ciphertext
	// into the mac field) is ours.
	static class ChaChaEncryptor implements OutputAEADEncryptor {
		final byte[] key = new byte[32], nonce = new byte[12];
		final javax.crypto.Cipher c;
		byte[] mac;

		ChaChaEncryptor() throws GeneralSecurityException {
			SecureRandom r = new SecureRandom();
			r.nextBytes(key);
			r.nextBytes(nonce);
			c = javax.crypto.Cipher.getInstance("ChaCha20-Poly1305", BC);
			c.init(javax.crypto.Cipher.ENCRYPT_MODE,
			    new javax.crypto.spec.SecretKeySpec(key, "ChaCha20"),
			    new javax.crypto.spec.IvParameterSpec(nonce));
		}

		public AlgorithmIdentifier getAlgorithmIdentifier() {
			return new AlgorithmIdentifier(
			    PKCSObjectIdentifiers.id_alg_AEADChaCha20Poly1305,
			    new DEROctetString(nonce));
		}

		public GenericKey getKey() {
			return new JceGenericKey(getAlgorithmIdentifier(),
			    new javax.crypto.spec.SecretKeySpec(key, "ChaCha20"));
		}

		public OutputStream getAADStream() {
			return new OutputStream() {
				public void write(int b) {
					c.updateAAD(new byte[] { (byte)b });
				}

				public void write(byte[] b, int off, int len) {
					c.updateAAD(b, off, len);
				}
			};
		}

		public OutputStream getOutputStream(OutputStream out) {
			return new OutputStream() {
				ByteArrayOutputStream pt = new ByteArrayOutputStream();

				public void write(int b) {
					pt.write(b);
				}

				public void write(byte[] b, int off, int len) {
					pt.write(b, off, len);
				}

				public void close() throws IOException {
					byte[] ct;
					try {
						ct = c.doFinal(pt.toByteArray());
					} catch (GeneralSecurityException e) {
						throw new IOException(e);
					}
					out.write(ct, 0, ct.length - 16);
					mac = Arrays.copyOfRange(ct, ct.length - 16,
					    ct.length);
				}
			};
		}

		public byte[] getMAC() {
			return mac;
		}
	}

	// decrypt

	static String decrypt(String[] a) throws Exception {
		if (a.length != 4)
			throw new IllegalArgumentException(
			    "decrypt LABEL KEY CERT IN OUT");
		PrivateKey key = readKey(a[0]);
		X509Certificate cert = readCert(a[1]);
		Entity m = readMessage(a[2]);
		byte[] der = m.base64Body();
		ContentInfo ci;
		try (ASN1InputStream ai = new ASN1InputStream(der)) {
			ci = ContentInfo.getInstance(ai.readObject());
		}
		RecipientInformationStore rs;
		String what, cipher;
		if (ci.getContentType().equals(CMSObjectIdentifiers.authEnvelopedData)) {
			CMSAuthEnvelopedData ad = new CMSAuthEnvelopedData(der);
			rs = ad.getRecipientInfos();
			what = "authEnvelopedData";
			cipher = org.bouncycastle.asn1.cms.AuthEnvelopedData
			    .getInstance(ci.getContent())
			    .getAuthEncryptedContentInfo()
			    .getContentEncryptionAlgorithm().getAlgorithm().getId();
		} else if (ci.getContentType().equals(CMSObjectIdentifiers.envelopedData)) {
			CMSEnvelopedData ed = new CMSEnvelopedData(der);
			rs = ed.getRecipientInfos();
			what = "envelopedData";
			cipher = ed.getEncryptionAlgOID();
		} else
			throw new IOException("not enveloped: " + ci.getContentType());
		RecipientInformation ri;
		Recipient r;
		if (cert.getPublicKey().getAlgorithm().equals("RSA")) {
			ri = rs.get(new JceKeyTransRecipientId(cert));
			r = new JceKeyTransEnvelopedRecipient(key).setProvider(BC);
		} else {
			ri = rs.get(new JceKeyAgreeRecipientId(cert));
			r = new JceKeyAgreeEnvelopedRecipient(key)
			    .setProvider(bcx());
		}
		if (ri == null)
			throw new IOException("no RecipientInfo for the certificate");
		byte[] pt = ri.getContent(r);
		Files.write(Paths.get(a[3]), pt);
		return what + " " + cipher + " " + ri.getKeyEncryptionAlgOID();
	}
}
