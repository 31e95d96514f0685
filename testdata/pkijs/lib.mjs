/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
// Shared helpers of the scripts that made this folder's messages with PKI.js.
import fs from 'node:fs';
import crypto from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export { asn1js, pkijs };
export const PKI = new URL('../pki', import.meta.url).pathname;
const webcrypto = globalThis.crypto;
pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto }));
export const engine = pkijs.getCrypto(true);

export function pemToDer(pem) {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(b64, 'base64'));
}
export function pemBlocks(text) {
  return [...text.matchAll(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/g)].map(m => m[0]);
}
export function loadCert(path) {
  return pkijs.Certificate.fromBER(pemToDer(fs.readFileSync(path, 'utf8')));
}
export function loadCerts(path) {
  return pemBlocks(fs.readFileSync(path, 'utf8')).map(b => pkijs.Certificate.fromBER(pemToDer(b)));
}
// PKCS#8 DER of a key file (converts via node crypto to be safe)
export function loadPkcs8(path) {
  const k = crypto.createPrivateKey(fs.readFileSync(path));
  return new Uint8Array(k.export({ type: 'pkcs8', format: 'der' }));
}
export function toCRLF(buf) {
  const s = Buffer.from(buf).toString('latin1').replace(/\r?\n/g, '\r\n');
  return Buffer.from(s, 'latin1');
}
export function b64lines(buf, width = 76) {
  const s = Buffer.from(buf).toString('base64');
  return s.match(new RegExp(`.{1,${width}}`, 'g')).join('\r\n') + '\r\n';
}
export function buf(ab) { return Buffer.from(ab instanceof ArrayBuffer ? new Uint8Array(ab) : ab); }

// Split header/body of a message (LF or CRLF)
export function splitMsg(raw) {
  const s = Buffer.from(raw).toString('latin1');
  const m = s.match(/\r?\n\r?\n/);
  return { head: s.slice(0, m.index), body: s.slice(m.index + m[0].length), sep: m[0] };
}
export function headerValue(head, name) {
  const unf = head.replace(/\r?\n[ \t]+/g, ' ');
  const re = new RegExp(`^${name}:\\s*(.*)$`, 'im');
  const m = unf.match(re);
  return m ? m[1] : null;
}
// Extract from a multipart/signed message: the exact signed first-part bytes
// (CRLF-canonical) and the DER of the signature part.
export function parseMultipartSigned(raw) {
  const s = Buffer.from(raw).toString('latin1');
  const { head } = splitMsg(raw);
  const ct = headerValue(head, 'Content-Type');
  const bm = ct.match(/boundary="?([^";\s]+)"?/i);
  const boundary = bm[1];
  const delim = '--' + boundary;
  // find first delimiter line
  const lines = s.split(/(?<=\n)/);
  let idx = [];
  let pos = 0;
  for (const ln of lines) {
    const t = ln.replace(/\r?\n$/, '');
    if (t === delim || t === delim + '--') idx.push({ pos, len: ln.length, t });
    pos += ln.length;
  }
  const p1start = idx[0].pos + idx[0].len;
  // the CRLF preceding the 2nd delimiter belongs to the delimiter
  let p1end = idx[1].pos;
  if (s[p1end - 1] === '\n') p1end--;
  if (s[p1end - 1] === '\r') p1end--;
  const part1 = toCRLF(Buffer.from(s.slice(p1start, p1end), 'latin1'));
  let p2 = s.slice(idx[1].pos + idx[1].len, idx[2].pos);
  const p2body = splitMsg(Buffer.from(p2, 'latin1')).body;
  const der = Buffer.from(p2body.replace(/\s+/g, ''), 'base64');
  return { part1, der, boundary };
}
export function parseBase64Body(raw) {
  const { body } = splitMsg(raw);
  return Buffer.from(body.replace(/\s+/g, ''), 'base64');
}
export function contentInfo(der) {
  const asn = asn1js.fromBER(new Uint8Array(der).buffer);
  if (asn.offset === -1) throw new Error('bad BER');
  return new pkijs.ContentInfo({ schema: asn.result });
}
