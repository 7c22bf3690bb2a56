/**
 * The key service (docs/keyservice.md): every endpoint over its Unix socket, and every bad
 * path — token, request ids, JSON, sizes, `aad`, tampering, retirement, rollback of the key
 * set, key envelopes replayed, downgraded, tampered or misaddressed — with no stored state
 * changed by a refused request.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createDecipheriv, hkdfSync, createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kem, sig } from '../ts/src/index';
import { KeyServiceError, keyFingerprint, open, seal, startKeyService } from '../ts/src/keyservice';
import { ReplayCache } from '../ts/src/keyservice/replay-cache';
import { KeyStore } from '../ts/src/keyservice/key-store';
import { decrypt } from '../ts/src/keyservice/crypto-ops';
import { decodeParts, encodeParts } from '../ts/src/keyservice/keyset';
import { request } from 'node:http';
import { b64, call, harness, unb64, workspace, type Harness } from './keyservice-helpers';
import { flip } from './helpers';

const utf8 = (s: string): string => b64(Buffer.from(s, 'utf8'));
/** `s` (base64) with bit 0 of byte `index` flipped (negative indexes count from the end). */
const flipB64 = (s: string, index: number): string => b64(flip(unb64(s), index));

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.service.close();
  rmSync(h.ws.dir, { recursive: true, force: true });
});

async function createKey(type: 'kem' | 'sign', suite?: string): Promise<any> {
  const r = await h.post('/v1/keys', suite === undefined ? { type } : { type, suite });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

async function counter(): Promise<number> {
  return (await h.get('/v1/info')).body.keySetVersion;
}

describe('the socket, the token and request ids', () => {
  it('listens on a socket of mode 0600 and answers health and info', async () => {
    expect(statSync(h.socket).isSocket()).toBe(true);
    expect(statSync(h.socket).mode & 0o777).toBe(0o600);
    expect(await h.get('/v1/health')).toEqual({ status: 200, body: { status: 'ok' } });
    const info = (await h.get('/v1/info')).body;
    expect(info.service).toBe('pqwire-keyservice');
    expect(info.defaults).toEqual({ kem: 'X25519+ML-KEM-1024', sign: 'Ed25519+ML-DSA-87' });
    expect(info.suites.kem).toContain('X25519+ML-KEM-1024');
    expect(info.suites.kem).not.toContain('X25519');
    expect(info.suites.sign).not.toContain('Ed25519');
    expect(info.memoryLocked).toBe(false);
    expect(statSync(join(h.ws.dataDir, 'keyset.pqks')).mode & 0o777).toBe(0o600);
  });

  it('refuses a missing, wrong or non-bearer token with 401 UNAUTHORIZED', async () => {
    for (const options of [{ token: null }, { token: `${h.token}x` }, { token: '' }, { headers: { authorization: `Basic ${h.token}` }, token: null }]) {
      const r = await call(h.socket, h.token, 'GET', '/v1/info', undefined, options);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHORIZED');
    }
    const before = await counter();
    const r = await h.post('/v1/keys', { type: 'kem' }, { token: 'nope-nope-nope-nope' });
    expect(r.body.error.code).toBe('UNAUTHORIZED');
    expect(await counter()).toBe(before);
  });

  it('requires a request id on every POST and refuses a replayed one', async () => {
    const missing = await h.post('/v1/keys', { type: 'kem' }, { requestId: null });
    expect([missing.status, missing.body.error.code]).toEqual([400, 'REQUEST_ID_REQUIRED']);
    const short = await h.post('/v1/keys', { type: 'kem' }, { requestId: 'abc' });
    expect(short.body.error.code).toBe('REQUEST_ID_REQUIRED');
    const first = await h.post('/v1/keys', { type: 'kem' }, { requestId: 'replay-test-0001' });
    expect(first.status).toBe(200);
    const before = await counter();
    const again = await h.post('/v1/keys', { type: 'kem' }, { requestId: 'replay-test-0001' });
    expect([again.status, again.body.error.code]).toEqual([409, 'REPLAYED_REQUEST']);
    expect(await counter()).toBe(before);
  });

  it('forgets request ids after the window, and refuses new ones when full', () => {
    let now = 0;
    const cache = new ReplayCache({ windowMs: 1000, capacity: 2, now: () => now });
    cache.admit('request-1');
    cache.admit('request-2');
    expect(() => cache.admit('request-1')).toThrow(expect.objectContaining({ code: 'REPLAYED_REQUEST' }));
    expect(() => cache.admit('request-3')).toThrow(expect.objectContaining({ code: 'REPLAY_CACHE_FULL' }));
    now = 1001;
    cache.admit('request-1');
    expect(cache.size).toBe(1);
  });

  it('answers malformed JSON, unknown paths, wrong methods and oversized bodies with typed errors', async () => {
    const cases: [Promise<any>, number, string][] = [
      [h.post('/v1/keys', undefined, { raw: '{"type": "kem"' }), 400, 'MALFORMED_JSON'],
      [h.post('/v1/keys', undefined, { raw: '["kem"]' }), 400, 'MALFORMED_JSON'],
      [h.get('/v1/nothing'), 404, 'NOT_FOUND'],
      [h.get('/v1/kem/encrypt'), 405, 'METHOD_NOT_ALLOWED'],
      [h.post('/v1/health', {}), 405, 'METHOD_NOT_ALLOWED'],
    ];
    for (const [p, status, code] of cases) {
      const r = await p;
      expect([r.status, r.body.error.code]).toEqual([status, code]);
    }
    const small = await harness(workspace(), { maxBodyBytes: 1024 });
    try {
      const big = await small.post('/v1/kem/encrypt', { publicKey: b64(new Uint8Array(2000)) });
      expect([big.status, big.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    } finally {
      await small.service.close();
    }
  });

  it('creates a missing token file with mode 0600, and refuses one others can read', async () => {
    const ws = workspace();
    rmSync(ws.tokenFile);
    const s = await startKeyService({ socket: ws.socket, tokenFile: ws.tokenFile, dataDir: ws.dataDir, kekFile: ws.kekFile, lockMemory: false });
    expect(s.tokenCreated).toBe(true);
    expect(statSync(ws.tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(ws.tokenFile, 'utf8').trim();
    expect((await call(ws.socket, token, 'GET', '/v1/health')).status).toBe(200);
    await s.close();
    chmodSync(ws.tokenFile, 0o644);
    await expect(startKeyService({ socket: ws.socket, tokenFile: ws.tokenFile, dataDir: ws.dataDir, kekFile: ws.kekFile, lockMemory: false })).rejects.toThrow(/readable by others/);
  });

  it('refuses to start a second service on a live socket, or on a data directory in use', async () => {
    await expect(harness(h.ws)).rejects.toThrow(/another process listens/);
    const other = workspace();
    const sameData = { ...other, dataDir: h.ws.dataDir, kekFile: h.ws.kekFile };
    await expect(harness(sameData)).rejects.toMatchObject({ code: 'KEYSET_LOCKED' });
    rmSync(other.dir, { recursive: true, force: true });
  });

  it('answers 413 to an oversized body sent without a length (chunked)', async () => {
    const small = await harness(workspace(), { maxBodyBytes: 1024 });
    try {
      const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = request(
          { socketPath: small.socket, method: 'POST', path: '/v1/keys', agent: false, headers: { authorization: `Bearer ${small.token}`, 'x-request-id': 'chunked-body-1', 'transfer-encoding': 'chunked' } },
          (res) => {
            let d = '';
            res.on('data', (c: Buffer) => (d += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(d) }));
          },
        );
        req.on('error', reject);
        for (let i = 0; i < 8; i++) req.write('x'.repeat(512));
        req.end();
      });
      expect([answer.status, answer.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    } finally {
      await small.service.close();
    }
  });
});

describe('keys', () => {
  it('creates keys with the strongest hybrid defaults, or a named post-quantum suite', async () => {
    const k = await createKey('kem');
    expect(k).toMatchObject({ type: 'kem', suite: 'X25519+ML-KEM-1024', version: 1, retired: false });
    expect(k.id).toMatch(/^[0-9a-f]{32}$/);
    expect(unb64(k.publicKey).length).toBe(kem('X25519+ML-KEM-1024').lengths.publicKey);
    expect(k.fingerprint).toBe(Buffer.from(keyFingerprint('X25519+ML-KEM-1024', unb64(k.publicKey))).toString('hex'));
    const s = await createKey('sign');
    expect(s).toMatchObject({ type: 'sign', suite: 'Ed25519+ML-DSA-87', version: 1 });
    expect(unb64(s.publicKey).length).toBe(sig('Ed25519+ML-DSA-87').lengths.publicKey);
    expect((await createKey('kem', 'ml-kem-768')).suite).toBe('ML-KEM-768');
    const pub = await h.get(`/v1/keys/${k.id}/public`);
    expect(pub.body).toMatchObject({ id: k.id, version: 1, suite: k.suite, publicKey: k.publicKey });
    expect(pub.body.versions).toEqual([{ version: 1, publicKey: k.publicKey, fingerprint: k.fingerprint }]);
    expect(JSON.stringify(pub.body)).not.toContain('created');
    expect((await h.get('/v1/keys')).body.keys.map((x: any) => x.id)).toContain(k.id);
  });

  it('refuses classical-only and unknown suites, unknown types and unknown keys', async () => {
    const before = await counter();
    for (const [body, code] of [
      [{ type: 'kem', suite: 'X25519' }, 'UNKNOWN_SUITE'],
      [{ type: 'sign', suite: 'Ed25519' }, 'UNKNOWN_SUITE'],
      [{ type: 'sign', suite: 'X25519+ML-KEM-768' }, 'UNKNOWN_SUITE'],
      [{ type: 'aead' }, 'INVALID_FIELD'],
      [{}, 'INVALID_FIELD'],
    ] as const) {
      const r = await h.post('/v1/keys', body);
      expect([r.status, r.body.error.code]).toEqual([400, code]);
    }
    const unknown = await h.get(`/v1/keys/${'0'.repeat(32)}/public`);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'UNKNOWN_KEY']);
    expect(await counter()).toBe(before);
  });
});

describe('encryption', () => {
  let key: any;
  beforeAll(async () => {
    key = await createKey('kem');
  });

  it('encrypts and decrypts with aad; another aad, or any tampering, is AUTH_FAILED', async () => {
    const e = await h.post('/v1/kem/encrypt', { keyId: key.id, plaintext: utf8('card 4111'), aad: utf8('customer 7') });
    expect(e.status).toBe(200);
    expect(e.body).toMatchObject({ keyVersion: 1, suite: 'X25519+ML-KEM-1024', fingerprint: key.fingerprint });
    const { kemCiphertext, ciphertext } = e.body;
    const d = await h.post('/v1/kem/decrypt', { keyId: key.id, kemCiphertext, ciphertext, aad: utf8('customer 7') });
    expect(d.body).toEqual({ plaintext: utf8('card 4111'), keyVersion: 1 });
    for (const body of [
      { kemCiphertext, ciphertext, aad: utf8('customer 8') },
      { kemCiphertext, ciphertext },
      { kemCiphertext, ciphertext: flipB64(ciphertext, 0), aad: utf8('customer 7') },
      { kemCiphertext, ciphertext: flipB64(ciphertext, -1), aad: utf8('customer 7') },
      { kemCiphertext: flipB64(kemCiphertext, 5), ciphertext, aad: utf8('customer 7') },
      { kemCiphertext: flipB64(kemCiphertext, -3), ciphertext, aad: utf8('customer 7') },
    ]) {
      const r = await h.post('/v1/kem/decrypt', { keyId: key.id, ...body });
      expect([r.status, r.body.error.code]).toEqual([400, 'AUTH_FAILED']);
    }
  });

  it('refuses wrong sizes, non-base64, a signing key, and both or neither of keyId and publicKey', async () => {
    const signKey = await createKey('sign');
    const e = (await h.post('/v1/kem/encrypt', { keyId: key.id, plaintext: utf8('x') })).body;
    const cases: [unknown, string][] = [
      [{ keyId: key.id, kemCiphertext: b64(new Uint8Array(10)), ciphertext: e.ciphertext }, 'BAD_LENGTH'],
      [{ keyId: key.id, kemCiphertext: 'not base64!', ciphertext: e.ciphertext }, 'INVALID_FIELD'],
      [{ keyId: key.id, kemCiphertext: e.kemCiphertext }, 'INVALID_FIELD'],
      [{ keyId: signKey.id, kemCiphertext: e.kemCiphertext, ciphertext: e.ciphertext }, 'WRONG_KEY_TYPE'],
      [{ keyId: key.id, kemCiphertext: e.kemCiphertext, ciphertext: e.ciphertext, keyVersion: 0 }, 'INVALID_FIELD'],
    ];
    for (const [body, code] of cases) expect((await h.post('/v1/kem/decrypt', body)).body.error.code).toBe(code);
    const enc: [unknown, string][] = [
      [{ plaintext: utf8('x') }, 'INVALID_FIELD'],
      [{ keyId: key.id, publicKey: key.publicKey, plaintext: utf8('x') }, 'INVALID_FIELD'],
      [{ publicKey: b64(new Uint8Array(31)), plaintext: utf8('x') }, 'BAD_LENGTH'],
      [{ publicKey: key.publicKey, suite: 'X25519', plaintext: utf8('x') }, 'UNKNOWN_SUITE'],
      [{ keyId: signKey.id, plaintext: utf8('x') }, 'WRONG_KEY_TYPE'],
      [{ keyId: key.id, plaintext: 42 }, 'INVALID_FIELD'],
    ];
    for (const [body, code] of enc) expect((await h.post('/v1/kem/encrypt', body)).body.error.code).toBe(code);
  });

  it('encrypts to an external public key: the service that holds it decrypts', async () => {
    const e = await h.post('/v1/kem/encrypt', { publicKey: key.publicKey, plaintext: utf8('to a public key'), aad: utf8('a') });
    expect(e.body).toMatchObject({ keyVersion: null, fingerprint: key.fingerprint });
    const d = await h.post('/v1/kem/decrypt', { keyId: key.id, kemCiphertext: e.body.kemCiphertext, ciphertext: e.body.ciphertext, aad: utf8('a') });
    expect(d.body.plaintext).toBe(utf8('to a public key'));
  });

  it('follows the documented construction: node:crypto alone (HKDF, ChaCha20-Poly1305) opens it after the KEM', async () => {
    for (const suiteName of ['X25519+ML-KEM-1024', 'ML-KEM-768']) {
      const suite = kem(suiteName as 'ML-KEM-768');
      const kp = suite.generateKeyPair();
      const e = (await h.post('/v1/kem/encrypt', { publicKey: b64(kp.publicKey), suite: suiteName, plaintext: utf8('interop'), aad: utf8('ctx') })).body;
      const ss = kp.decapsulate(unb64(e.kemCiphertext));
      const name = Buffer.from(suiteName, 'ascii');
      const lp = Buffer.concat([Buffer.from([name.length >> 8, name.length & 0xff]), name]);
      const fp = createHash('sha256').update('pqwire keyservice key v1').update(lp).update(kp.publicKey).digest();
      expect(fp.toString('hex')).toBe(e.fingerprint);
      const okm = Buffer.from(hkdfSync('sha256', ss, Buffer.alloc(0), Buffer.concat([Buffer.from('pqwire keyservice seal v1'), lp, fp]), 44));
      const ct = unb64(e.ciphertext);
      const d = createDecipheriv('chacha20-poly1305', okm.subarray(0, 32), okm.subarray(32), { authTagLength: 16 });
      d.setAAD(Buffer.from('ctx'), { plaintextLength: ct.length - 16 });
      d.setAuthTag(ct.subarray(ct.length - 16));
      expect(Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]).toString()).toBe('interop');
      // And the library's own open() agrees.
      expect(Buffer.from(open(suite, kp, { kemCiphertext: unb64(e.kemCiphertext), ciphertext: ct }, Buffer.from('ctx'))).toString()).toBe('interop');
    }
  });

  it('decrypts what the library seal()s locally to a stored key', async () => {
    const suite = kem('X25519+ML-KEM-1024');
    const sealed = seal(suite, unb64(key.publicKey), Buffer.from('local'), Buffer.from('x'));
    const d = await h.post('/v1/kem/decrypt', { keyId: key.id, kemCiphertext: b64(sealed.kemCiphertext), ciphertext: b64(sealed.ciphertext), aad: utf8('x') });
    expect(d.body.plaintext).toBe(utf8('local'));
  });

  it('batches: many items in one request, a tampered item fails alone, limits hold', async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ plaintext: utf8(`item ${i}`), aad: utf8(`aad ${i}`) }));
    const e = await h.post('/v1/kem/encrypt-batch', { keyId: key.id, items });
    expect(e.status).toBe(200);
    expect(e.body.items).toHaveLength(40);
    const back = e.body.items.map((x: any, i: number) => ({ ...x, aad: utf8(`aad ${i}`) }));
    back[7] = { ...back[7], ciphertext: flipB64(back[7].ciphertext, 2) };
    back[9] = { ...back[9], aad: utf8('other') };
    const d = await h.post('/v1/kem/decrypt-batch', { keyId: key.id, items: back });
    expect(d.status).toBe(200);
    d.body.items.forEach((r: any, i: number) => {
      if (i === 7 || i === 9) expect(r.error.code).toBe('AUTH_FAILED');
      else expect(r).toEqual({ plaintext: utf8(`item ${i}`), keyVersion: 1 });
    });
    const external = await h.post('/v1/kem/encrypt-batch', { publicKey: key.publicKey, items: items.slice(0, 3) });
    expect(external.body.items).toHaveLength(3);
    const bad = await h.post('/v1/kem/encrypt-batch', { keyId: key.id, items: [{ plaintext: utf8('a') }, { plaintext: '%%' }] });
    expect(bad.body.error).toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('items[1]') });
    const many = await h.post('/v1/kem/encrypt-batch', { keyId: key.id, items: Array.from({ length: 1025 }, () => ({ plaintext: '' })) });
    expect([many.status, many.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect((await h.post('/v1/kem/encrypt-batch', { keyId: key.id, items: [] })).body.error.code).toBe('INVALID_FIELD');
  });
});

describe('rotation and retirement', () => {
  it('old versions decrypt and verify until retired; the only live version cannot be retired alone', async () => {
    const k = await createKey('kem');
    const v1 = (await h.post('/v1/kem/encrypt', { keyId: k.id, plaintext: utf8('one') })).body;
    const rotated = await h.post(`/v1/keys/${k.id}/rotate`);
    expect(rotated.body).toMatchObject({ id: k.id, version: 2 });
    expect(rotated.body.publicKey).not.toBe(k.publicKey);
    const v2 = (await h.post('/v1/kem/encrypt', { keyId: k.id, plaintext: utf8('two') })).body;
    expect(v2.keyVersion).toBe(2);
    const open1 = await h.post('/v1/kem/decrypt', { keyId: k.id, kemCiphertext: v1.kemCiphertext, ciphertext: v1.ciphertext });
    expect(open1.body).toEqual({ plaintext: utf8('one'), keyVersion: 1 });
    const open1v = await h.post('/v1/kem/decrypt', { keyId: k.id, keyVersion: 1, kemCiphertext: v1.kemCiphertext, ciphertext: v1.ciphertext });
    expect(open1v.body.keyVersion).toBe(1);
    const wrongVersion = await h.post('/v1/kem/decrypt', { keyId: k.id, keyVersion: 2, kemCiphertext: v1.kemCiphertext, ciphertext: v1.ciphertext });
    expect(wrongVersion.body.error.code).toBe('AUTH_FAILED');
    const noVersion = await h.post('/v1/kem/decrypt', { keyId: k.id, keyVersion: 9, kemCiphertext: v1.kemCiphertext, ciphertext: v1.ciphertext });
    expect(noVersion.body.error.code).toBe('UNKNOWN_KEY');

    const retired = await h.post(`/v1/keys/${k.id}/retire`, { version: 1 });
    expect(retired.body.versions[0].retired).toEqual(expect.any(String));
    expect(retired.body.version).toBe(2);
    const gone = await h.post('/v1/kem/decrypt', { keyId: k.id, keyVersion: 1, kemCiphertext: v1.kemCiphertext, ciphertext: v1.ciphertext });
    expect([gone.status, gone.body.error.code]).toEqual([410, 'KEY_RETIRED']);
    expect((await h.post('/v1/kem/decrypt', { keyId: k.id, kemCiphertext: v1.kemCiphertext, ciphertext: v1.ciphertext })).body.error.code).toBe('AUTH_FAILED');
    expect((await h.post('/v1/kem/decrypt', { keyId: k.id, kemCiphertext: v2.kemCiphertext, ciphertext: v2.ciphertext })).body.plaintext).toBe(utf8('two'));

    const before = await counter();
    const alone = await h.post(`/v1/keys/${k.id}/retire`, { version: 2 });
    expect([alone.status, alone.body.error.code]).toEqual([409, 'KEY_IN_USE']);
    expect((await h.post(`/v1/keys/${k.id}/retire`, { version: 1 })).body.error.code).toBe('KEY_RETIRED');
    expect(await counter()).toBe(before);

    const all = await h.post(`/v1/keys/${k.id}/retire`, {});
    expect(all.body).toMatchObject({ retired: true, version: null });
    for (const r of [
      await h.post('/v1/kem/encrypt', { keyId: k.id, plaintext: utf8('x') }),
      await h.post('/v1/kem/decrypt', { keyId: k.id, kemCiphertext: v2.kemCiphertext, ciphertext: v2.ciphertext }),
      await h.post(`/v1/keys/${k.id}/rotate`),
    ]) {
      expect([r.status, r.body.error.code]).toEqual([410, 'KEY_RETIRED']);
    }
    expect((await h.get(`/v1/keys/${k.id}/public`)).body.versions).toHaveLength(2);
  });
});

describe('dual signatures', () => {
  let key: any;
  beforeAll(async () => {
    key = await createKey('sign');
  });

  it('signs and verifies; a tampered half reports that half', async () => {
    const s = await h.post('/v1/sign', { keyId: key.id, message: utf8('pay 10') });
    expect(s.body).toMatchObject({ keyVersion: 1, algorithm: 'Ed25519+ML-DSA-87' });
    const ok = await h.post('/v1/verify', { keyId: key.id, message: utf8('pay 10'), signature: s.body.signature });
    expect(ok.body).toEqual({ valid: true, classicValid: true, quantumValid: true, algorithm: 'Ed25519+ML-DSA-87', keyVersion: 1 });
    const external = await h.post('/v1/verify', { publicKey: key.publicKey, message: utf8('pay 10'), signature: s.body.signature });
    expect(external.body).toEqual({ valid: true, classicValid: true, quantumValid: true, algorithm: 'Ed25519+ML-DSA-87' });
    const classic = await h.post('/v1/verify', { keyId: key.id, message: utf8('pay 10'), signature: flipB64(s.body.signature, 3) });
    expect(classic.body).toMatchObject({ valid: false, classicValid: false, quantumValid: true });
    const quantum = await h.post('/v1/verify', { keyId: key.id, message: utf8('pay 10'), signature: flipB64(s.body.signature, 200) });
    expect(quantum.body).toMatchObject({ valid: false, classicValid: true, quantumValid: false });
    const other = await h.post('/v1/verify', { keyId: key.id, message: utf8('pay 11'), signature: s.body.signature });
    expect(other.body).toMatchObject({ valid: false, classicValid: false, quantumValid: false });
    const short = await h.post('/v1/verify', { keyId: key.id, message: utf8('pay 10'), signature: b64(new Uint8Array(5)) });
    expect(short.body.valid).toBe(false);
  });

  it('binds a context, and verifies an older version after rotation', async () => {
    const k = await createKey('sign', 'ML-DSA-65');
    const s1 = (await h.post('/v1/sign', { keyId: k.id, message: utf8('m'), context: utf8('app') })).body;
    expect((await h.post('/v1/verify', { keyId: k.id, message: utf8('m'), signature: s1.signature, context: utf8('app') })).body.valid).toBe(true);
    expect((await h.post('/v1/verify', { keyId: k.id, message: utf8('m'), signature: s1.signature })).body.valid).toBe(false);
    await h.post(`/v1/keys/${k.id}/rotate`);
    const v = await h.post('/v1/verify', { keyId: k.id, message: utf8('m'), signature: s1.signature, context: utf8('app') });
    expect(v.body).toMatchObject({ valid: true, keyVersion: 1 });
    const s2 = (await h.post('/v1/sign', { keyId: k.id, message: utf8('m') })).body;
    expect(s2.keyVersion).toBe(2);
    expect((await h.post('/v1/verify', { keyId: k.id, keyVersion: 1, message: utf8('m'), signature: s2.signature })).body.valid).toBe(false);
  });

  it('refuses a KEM key, wrong public key sizes, and keyVersion with a public key', async () => {
    const kemKey = await createKey('kem');
    expect((await h.post('/v1/sign', { keyId: kemKey.id, message: utf8('m') })).body.error.code).toBe('WRONG_KEY_TYPE');
    expect((await h.post('/v1/verify', { publicKey: b64(new Uint8Array(3)), message: utf8('m'), signature: utf8('s') })).body.error.code).toBe('BAD_LENGTH');
    expect((await h.post('/v1/verify', { publicKey: key.publicKey, keyVersion: 1, message: utf8('m'), signature: utf8('s') })).body.error.code).toBe('INVALID_FIELD');
  });

  it('batches: sign-batch and verify-batch, one tampered item reported alone', async () => {
    const items = Array.from({ length: 24 }, (_, i) => ({ message: utf8(`msg ${i}`) }));
    const s = await h.post('/v1/sign-batch', { keyId: key.id, items });
    expect(s.body.items).toHaveLength(24);
    const v = items.map((m, i) => ({ ...m, signature: s.body.items[i].signature }));
    v[5] = { ...v[5]!, signature: flipB64(v[5]!.signature, 10) };
    const r = await h.post('/v1/verify-batch', { keyId: key.id, items: v });
    r.body.items.forEach((x: any, i: number) => {
      expect(x).toMatchObject(i === 5 ? { valid: false, classicValid: false, quantumValid: true } : { valid: true, keyVersion: 1 });
    });
    const ext = await h.post('/v1/verify-batch', { publicKey: key.publicKey, items: v.slice(0, 3) });
    expect(ext.body.items.map((x: any) => x.valid)).toEqual([true, true, true]);
  });
});

describe('keys at rest', () => {
  it('survive a restart: keys, versions and retirements as they were', async () => {
    const ws = workspace();
    const a = await harness(ws);
    const k = (await a.post('/v1/keys', { type: 'kem' })).body;
    await a.post(`/v1/keys/${k.id}/rotate`);
    const e = (await a.post('/v1/kem/encrypt', { keyId: k.id, plaintext: utf8('kept') })).body;
    await a.service.close();
    const b = await harness(ws);
    try {
      expect((await b.get(`/v1/keys/${k.id}`)).body.versions).toHaveLength(2);
      expect((await b.post('/v1/kem/decrypt', { keyId: k.id, kemCiphertext: e.kemCiphertext, ciphertext: e.ciphertext })).body.plaintext).toBe(utf8('kept'));
    } finally {
      await b.service.close();
    }
  });

  it('refuse another key-encryption key, an altered file, and a rollback to an older key set', async () => {
    const ws = workspace();
    const a = await harness(ws);
    await a.post('/v1/keys', { type: 'kem' });
    const old = join(ws.dir, 'old.pqks');
    copyFileSync(join(ws.dataDir, 'keyset.pqks'), old);
    await a.post('/v1/keys', { type: 'sign' });
    await a.service.close();

    const otherKek = join(ws.dir, 'kek2');
    writeFileSync(otherKek, Buffer.alloc(32, 7).toString('hex'), { mode: 0o600 });
    await expect(harness(ws, { kekFile: otherKek })).rejects.toMatchObject({ code: 'KEYSET_UNREADABLE' });

    const file = join(ws.dataDir, 'keyset.pqks');
    const good = readFileSync(file);
    const altered = Buffer.from(good);
    altered[20] = (altered[20] as number) ^ 1;
    writeFileSync(file, altered);
    await expect(harness(ws)).rejects.toMatchObject({ code: 'KEYSET_UNREADABLE' });

    copyFileSync(old, file);
    await expect(harness(ws)).rejects.toMatchObject({ code: 'KEYSET_ROLLBACK' });
    rmSync(file);
    await expect(harness(ws)).rejects.toMatchObject({ code: 'KEYSET_ROLLBACK' });
    writeFileSync(file, good);
    const b = await harness(ws);
    expect((await b.get('/v1/info')).body.keys).toMatchObject({ kem: 1, sign: 1 });
    await b.service.close();
  });

  it('needs a key-encryption key, from a file or PQWIRE_KEYSERVICE_KEK', async () => {
    const ws = workspace();
    await expect(startKeyService({ socket: ws.socket, tokenFile: ws.tokenFile, dataDir: ws.dataDir, lockMemory: false })).rejects.toThrow(/PQWIRE_KEYSERVICE_KEK/);
    const bad = join(ws.dir, 'short');
    writeFileSync(bad, 'abc');
    await expect(startKeyService({ socket: ws.socket, tokenFile: ws.tokenFile, dataDir: ws.dataDir, kekFile: bad, lockMemory: false })).rejects.toThrow(/32 bytes/);
    process.env.PQWIRE_KEYSERVICE_KEK = Buffer.alloc(32, 1).toString('hex');
    try {
      const s = await startKeyService({ socket: ws.socket, tokenFile: ws.tokenFile, dataDir: ws.dataDir, lockMemory: false });
      await s.close();
    } finally {
      delete process.env.PQWIRE_KEYSERVICE_KEK;
    }
  });
});

describe('key distribution between nodes', () => {
  let a: Harness;
  let b: Harness;
  let c: Harness;
  beforeAll(async () => {
    [a, b, c] = await Promise.all([harness(), harness(), harness()]);
  });
  afterAll(async () => {
    await Promise.all([a.service.close(), b.service.close(), c.service.close()]);
  });

  const node = async (x: Harness): Promise<any> => (await x.get('/v1/node')).body;
  const exportTo = async (from: Harness, to: Harness, extra: object = {}): Promise<any> => {
    const r = await from.post('/v1/node/export', { recipientKemPublicKey: (await node(to)).kem.publicKey, ...extra });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.envelope;
  };

  it('moves keys to a trusting node, which then decrypts and signs with them', async () => {
    const k = (await a.post('/v1/keys', { type: 'kem' })).body;
    const s = (await a.post('/v1/keys', { type: 'sign' })).body;
    const e = (await a.post('/v1/kem/encrypt', { keyId: k.id, plaintext: utf8('shared'), aad: utf8('x') })).body;
    const untrusted = await b.post('/v1/node/import', { envelope: await exportTo(a, b) });
    expect([untrusted.status, untrusted.body.error.code]).toEqual([403, 'UNTRUSTED_SENDER']);
    const peer = await b.post('/v1/node/peers', { signPublicKey: (await node(a)).sign.publicKey });
    expect(peer.body.fingerprint).toBe((await node(a)).sign.fingerprint);
    const envelope = await exportTo(a, b);
    const imported = await b.post('/v1/node/import', { envelope });
    expect(imported.body).toMatchObject({ imported: expect.arrayContaining([k.id, s.id]), version: envelope.version });
    expect((await b.post('/v1/kem/decrypt', { keyId: k.id, kemCiphertext: e.kemCiphertext, ciphertext: e.ciphertext, aad: utf8('x') })).body.plaintext).toBe(utf8('shared'));
    const sigB = (await b.post('/v1/sign', { keyId: s.id, message: utf8('m') })).body;
    expect((await a.post('/v1/verify', { keyId: s.id, message: utf8('m'), signature: sigB.signature })).body.valid).toBe(true);

    // Replayed: the same envelope again.
    const replay = await b.post('/v1/node/import', { envelope });
    expect([replay.status, replay.body.error.code]).toEqual([409, 'STALE_ENVELOPE']);
    // Rotation reaches the other node through a newer envelope; the older one stays refused.
    await a.post(`/v1/keys/${k.id}/rotate`);
    const newer = await exportTo(a, b, { keyIds: [k.id] });
    expect(newer.version).toBeGreaterThan(envelope.version);
    expect((await b.post('/v1/node/import', { envelope: newer })).status).toBe(200);
    expect((await b.get(`/v1/keys/${k.id}`)).body.version).toBe(2);
    expect((await b.post('/v1/node/import', { envelope })).body.error.code).toBe('STALE_ENVELOPE');
  });

  it('gives every export its own version: partial exports of different keys are each imported', async () => {
    const x = (await a.post('/v1/keys', { type: 'kem' })).body;
    const y = (await a.post('/v1/keys', { type: 'sign' })).body;
    const first = await exportTo(a, b, { keyIds: [x.id] });
    const second = await exportTo(a, b, { keyIds: [y.id] });
    expect(second.version).toBeGreaterThan(first.version);
    expect((await b.post('/v1/node/import', { envelope: first })).body.imported).toEqual([x.id]);
    expect((await b.post('/v1/node/import', { envelope: second })).body.imported).toEqual([y.id]);
    expect((await b.post('/v1/node/import', { envelope: first })).body.error.code).toBe('STALE_ENVELOPE');
  });

  it('refuses a tampered envelope (naming the failed half), one for another node, and a forged version', async () => {
    await c.post('/v1/node/peers', { signPublicKey: (await node(a)).sign.publicKey });
    await a.post('/v1/keys', { type: 'kem' });
    const envelope = await exportTo(a, c);
    const before = (await c.get('/v1/info')).body.keySetVersion;
    const classic = await c.post('/v1/node/import', { envelope: { ...envelope, signature: flipB64(envelope.signature, 1) } });
    expect(classic.body.error).toMatchObject({ code: 'ENVELOPE_SIGNATURE_INVALID', message: expect.stringContaining('classic') });
    expect(classic.body.error.message).not.toContain('post-quantum');
    const quantum = await c.post('/v1/node/import', { envelope: { ...envelope, signature: flipB64(envelope.signature, 100) } });
    expect(quantum.body.error.message).toContain('post-quantum');
    const body = await c.post('/v1/node/import', { envelope: { ...envelope, ciphertext: flipB64(envelope.ciphertext, 4) } });
    expect(body.body.error.code).toBe('ENVELOPE_SIGNATURE_INVALID');
    const version = await c.post('/v1/node/import', { envelope: { ...envelope, version: envelope.version + 100 } });
    expect(version.body.error.code).toBe('ENVELOPE_SIGNATURE_INVALID');
    const forB = await exportTo(a, b);
    expect((await c.post('/v1/node/import', { envelope: forB })).body.error.code).toBe('WRONG_RECIPIENT');
    for (const bad of [undefined, 'x', { format: 'other' }, { ...envelope, kemCiphertext: '%%' }]) {
      expect((await c.post('/v1/node/import', { envelope: bad })).body.error.code).toBe('MALFORMED_ENVELOPE');
    }
    expect((await c.get('/v1/info')).body.keySetVersion).toBe(before);
    expect((await c.post('/v1/node/import', { envelope })).status).toBe(200);
  });
});

describe('a version retired while a decryption runs', () => {
  it('fails only the items that asked for it; the others go on to older versions', async () => {
    const suite = kem('X25519+ML-KEM-1024');
    const pairs = [1, 2].map(() => suite.generateKeyPair(undefined, { lockable: true }));
    const versions = pairs.map((pair, i) => ({ version: i + 1, created: 'c', publicKey: pair.publicKey, fingerprint: keyFingerprint(suite.name, pair.publicKey), pair }));
    const key = { id: 'cd'.repeat(16), type: 'kem' as const, suite: suite.name, created: 'c', versions };
    const sealed = seal(suite, pairs[0]!.publicKey, Buffer.from('old'));
    pairs[1]!.dispose(); // what a retirement does, here between the request's check and its work
    const [any, asked] = await decrypt(key, [{ ...sealed }, { ...sealed, keyVersion: 2 }]);
    expect(any).toMatchObject({ keyVersion: 1 });
    expect(Buffer.from((any as { plaintext: Uint8Array }).plaintext).toString()).toBe('old');
    expect((asked as { error: KeyServiceError }).error.code).toBe('KEY_RETIRED');
    pairs[0]!.dispose();
  });
});

describe('the key-set encoding', () => {
  it('refuses key versions out of order, repeated or below 1', () => {
    const pk = new Uint8Array(32).fill(1);
    const v = (version: number) => ({ version, created: 'c', publicKey: pk, fingerprint: pk, retired: 'r' });
    for (const versions of [[v(2), v(1)], [v(1), v(1)], [v(0)], []]) {
      const plaintext = encodeParts({ keys: [{ id: 'ab'.repeat(16), type: 'kem', suite: 'X25519+ML-KEM-1024', created: 'c', versions }] });
      expect(() => decodeParts(plaintext)).toThrow(/versions must be/);
    }
    const ok = encodeParts({ keys: [{ id: 'ab'.repeat(16), type: 'kem', suite: 'X25519+ML-KEM-1024', created: 'c', versions: [v(1), v(3)] }] });
    expect(decodeParts(ok).keys[0]?.versions.map((x) => x.version)).toEqual([1, 3]);
  });
});

describe('secrets in memory', () => {
  it('are wiped at retirement and when the store closes; every key pair is lockable', () => {
    const ws = workspace();
    const store = KeyStore.open(ws.dataDir, new Uint8Array(32).fill(9), { lockMemory: true });
    try {
      const k = store.create('kem');
      const pair = k.versions[0]?.pair;
      expect(pair?.disposed).toBe(false);
      store.rotate(k.id);
      store.retire(k.id, 1);
      expect(pair?.disposed).toBe(true);
      const s = store.create('sign', 'ML-DSA-44');
      const signer = s.versions[0]?.pair;
      // Root (as in CI) may always lock; as another user this needs RLIMIT_MEMLOCK headroom.
      if (process.getuid?.() === 0) expect(store.memoryLocked).toBe(true);
      store.close();
      expect(signer?.disposed).toBe(true);
      expect(store.set.node.kem.pair?.disposed).toBe(true);
    } finally {
      store.close();
      rmSync(ws.dir, { recursive: true, force: true });
    }
  });
});

describe('errors', () => {
  it('KeyServiceError carries a code and its HTTP status', () => {
    const e = new KeyServiceError('UNKNOWN_KEY', 'no key');
    expect([e.code, e.status, e.name]).toEqual(['UNKNOWN_KEY', 404, 'KeyServiceError']);
  });
});

const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('examples/keyservice_client.py (Python, standard library only)', () => {
  it.skipIf(!hasPython && process.env.CI === undefined)('encrypts, decrypts, is refused another aad, signs and verifies', async () => {
    // Asynchronously: the service answering it runs in this process.
    const r = await promisify(execFile)('python3', [join(__dirname, '..', 'examples', 'keyservice_client.py'), h.socket, h.ws.tokenFile], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('encryption key:');
    expect(r.stdout).toContain('decrypted: card 4111 1111');
    expect(r.stdout).toContain('other aad refused: AUTH_FAILED');
    expect(r.stdout).toContain('signature: Ed25519+ML-DSA-87 valid');
  });
});
