/**
 * The key service's endpoints (docs/keyservice.md, "API"): each takes the path's
 * parameters and the checked JSON body and returns the JSON answer; every failure is a
 * `KeyServiceError`. No handler changes stored state before all its input is checked.
 */
import { toHex } from '../hex';
import { KeyServiceError } from './errors';
import {
  base64,
  bytesField,
  inItem,
  itemsField,
  optionalBytesField,
  optionalStringField,
  optionalVersionField,
  stringField,
  type Body,
} from './fields';
import { currentVersion, type KeyRecord } from './keyset';
import type { KeyStore } from './key-store';
import { decrypt, encrypt, externalTarget, sign, storedTarget, verifyExternal, verifyStored, type Verified, type VerifyItem } from './crypto-ops';
import { exportEnvelope, importEnvelope } from './envelope';
import { DEFAULT_SUITES, KEM_SUITES, SIGN_SUITES } from './suites';

/** What the handlers need besides the store. */
export interface HandlerContext {
  store: KeyStore;
  /** Most items in one batch request. */
  maxBatchItems: number;
  /** For `/v1/info`. */
  version: string;
  memoryLocked: () => boolean;
}

type Params = Readonly<Record<string, string>>;
type Handler = (ctx: HandlerContext, params: Params, body: Body) => unknown;

/** One endpoint: method, path pattern (`:name` segments), handler. */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handle: Handler;
}

/** A key as answers show it: the current version's public key on top, every version listed. */
export function keyView(key: KeyRecord): Record<string, unknown> {
  const current = currentVersion(key);
  return {
    id: key.id,
    type: key.type,
    suite: key.suite,
    created: key.created,
    version: current?.version ?? null,
    publicKey: current === undefined ? null : base64(current.publicKey),
    fingerprint: current === undefined ? null : toHex(current.fingerprint),
    retired: current === undefined,
    versions: key.versions.map((v) => ({
      version: v.version,
      created: v.created,
      publicKey: base64(v.publicKey),
      fingerprint: toHex(v.fingerprint),
      ...(v.retired === undefined ? {} : { retired: v.retired }),
    })),
  };
}

function keyType(body: Body): 'kem' | 'sign' {
  const t = body.type;
  if (t !== 'kem' && t !== 'sign') throw new KeyServiceError('INVALID_FIELD', 'type must be "kem" or "sign"');
  return t;
}

/** `keyId` or `publicKey`, exactly one; `suite` only with `publicKey` (a stored key has its own). */
function oneTarget(body: Body): 'keyId' | 'publicKey' {
  const hasId = body.keyId !== undefined && body.keyId !== null;
  const hasKey = body.publicKey !== undefined && body.publicKey !== null;
  if (hasId === hasKey) throw new KeyServiceError('INVALID_FIELD', 'give exactly one of keyId and publicKey');
  if (hasId && body.suite !== undefined) throw new KeyServiceError('INVALID_FIELD', 'suite goes with publicKey; a stored key has its own');
  return hasId ? 'keyId' : 'publicKey';
}

function encryptionTarget(ctx: HandlerContext, body: Body) {
  if (oneTarget(body) === 'keyId') {
    return storedTarget(ctx.store.liveKey(stringField(body, 'keyId'), 'kem'));
  }
  return externalTarget(bytesField(body, 'publicKey'), optionalStringField(body, 'suite'));
}

function decryptItem(b: Body) {
  const aad = optionalBytesField(b, 'aad');
  const keyVersion = optionalVersionField(b, 'keyVersion');
  return {
    kemCiphertext: bytesField(b, 'kemCiphertext'),
    ciphertext: bytesField(b, 'ciphertext'),
    ...(aad === undefined ? {} : { aad }),
    ...(keyVersion === undefined ? {} : { keyVersion }),
  };
}

function verifyItem(b: Body, context: Uint8Array | undefined): VerifyItem {
  return { message: bytesField(b, 'message'), signature: bytesField(b, 'signature'), ...(context === undefined ? {} : { context }) };
}

async function verifyMany(ctx: HandlerContext, body: Body, items: VerifyItem[]): Promise<Verified[]> {
  if (oneTarget(body) === 'keyId') {
    const key = ctx.store.liveKey(stringField(body, 'keyId'), 'sign');
    return verifyStored(key, optionalVersionField(body, 'keyVersion'), items);
  }
  if (body.keyVersion !== undefined) throw new KeyServiceError('INVALID_FIELD', 'keyVersion goes with keyId');
  return verifyExternal(bytesField(body, 'publicKey'), optionalStringField(body, 'suite'), items);
}

function verifiedView(v: Verified): Record<string, unknown> {
  return { valid: v.valid, classicValid: v.classicValid, quantumValid: v.quantumValid, algorithm: v.algorithm, ...(v.keyVersion === undefined ? {} : { keyVersion: v.keyVersion }) };
}

/** Every endpoint. */
export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/v1/health', handle: () => ({ status: 'ok' }) },
  {
    method: 'GET',
    path: '/v1/info',
    handle: (ctx) => {
      const keys = [...ctx.store.set.keys.values()];
      const live = keys.filter((k) => currentVersion(k) !== undefined);
      return {
        service: 'pqwire-keyservice',
        version: ctx.version,
        api: 1,
        suites: { kem: KEM_SUITES, sign: SIGN_SUITES },
        defaults: DEFAULT_SUITES,
        keys: {
          kem: live.filter((k) => k.type === 'kem').length,
          sign: live.filter((k) => k.type === 'sign').length,
          retired: keys.length - live.length,
          liveVersions: live.reduce((n, k) => n + k.versions.filter((v) => v.retired === undefined).length, 0),
        },
        keySetVersion: ctx.store.set.counter,
        memoryLocked: ctx.memoryLocked(),
      };
    },
  },
  { method: 'GET', path: '/v1/keys', handle: (ctx) => ({ keys: [...ctx.store.set.keys.values()].map(keyView) }) },
  { method: 'POST', path: '/v1/keys', handle: (ctx, _p, body) => keyView(ctx.store.create(keyType(body), body.suite ?? undefined)) },
  { method: 'GET', path: '/v1/keys/:id', handle: (ctx, p) => keyView(ctx.store.key(p.id)) },
  {
    method: 'GET',
    path: '/v1/keys/:id/public',
    handle: (ctx, p) => {
      const key = ctx.store.key(p.id);
      const { id, type, suite, version, publicKey, fingerprint } = keyView(key);
      const versions = key.versions.map((v) => ({
        version: v.version,
        publicKey: base64(v.publicKey),
        fingerprint: toHex(v.fingerprint),
        ...(v.retired === undefined ? {} : { retired: true }),
      }));
      return { id, type, suite, version, publicKey, fingerprint, versions };
    },
  },
  { method: 'POST', path: '/v1/keys/:id/rotate', handle: (ctx, p) => keyView(ctx.store.rotate(p.id)) },
  { method: 'POST', path: '/v1/keys/:id/retire', handle: (ctx, p, body) => keyView(ctx.store.retire(p.id, optionalVersionField(body, 'version'))) },
  {
    method: 'POST',
    path: '/v1/kem/encrypt',
    handle: async (ctx, _p, body) => {
      const target = encryptionTarget(ctx, body);
      const aad = optionalBytesField(body, 'aad');
      const [sealed] = await encrypt(target, [{ plaintext: bytesField(body, 'plaintext'), ...(aad === undefined ? {} : { aad }) }]);
      return {
        kemCiphertext: base64(sealed?.kemCiphertext ?? new Uint8Array()),
        ciphertext: base64(sealed?.ciphertext ?? new Uint8Array()),
        keyVersion: target.version ?? null,
        suite: target.suite.name,
        fingerprint: toHex(target.fingerprint),
      };
    },
  },
  {
    method: 'POST',
    path: '/v1/kem/encrypt-batch',
    handle: async (ctx, _p, body) => {
      const target = encryptionTarget(ctx, body);
      const items = itemsField(body, 'items', ctx.maxBatchItems).map((b, i) =>
        inItem('items', i, () => {
          const aad = optionalBytesField(b, 'aad');
          return { plaintext: bytesField(b, 'plaintext'), ...(aad === undefined ? {} : { aad }) };
        }),
      );
      const sealed = await encrypt(target, items);
      return {
        keyVersion: target.version ?? null,
        suite: target.suite.name,
        fingerprint: toHex(target.fingerprint),
        items: sealed.map((s) => ({ kemCiphertext: base64(s.kemCiphertext), ciphertext: base64(s.ciphertext) })),
      };
    },
  },
  {
    method: 'POST',
    path: '/v1/kem/decrypt',
    handle: async (ctx, _p, body) => {
      const key = ctx.store.liveKey(stringField(body, 'keyId'), 'kem');
      const [result] = await decrypt(key, [decryptItem(body)]);
      if (result === undefined || 'error' in result) throw result?.error ?? new KeyServiceError('INTERNAL', 'no result');
      return { plaintext: base64(result.plaintext), keyVersion: result.keyVersion };
    },
  },
  {
    method: 'POST',
    path: '/v1/kem/decrypt-batch',
    handle: async (ctx, _p, body) => {
      const key = ctx.store.liveKey(stringField(body, 'keyId'), 'kem');
      const items = itemsField(body, 'items', ctx.maxBatchItems).map((b, i) => inItem('items', i, () => decryptItem(b)));
      const results = await decrypt(key, items);
      return {
        items: results.map((r) =>
          'error' in r ? { error: { code: r.error.code, message: r.error.message } } : { plaintext: base64(r.plaintext), keyVersion: r.keyVersion },
        ),
      };
    },
  },
  {
    method: 'POST',
    path: '/v1/sign',
    handle: async (ctx, _p, body) => {
      const key = ctx.store.liveKey(stringField(body, 'keyId'), 'sign');
      const { signatures, version } = await sign(key, [bytesField(body, 'message')], optionalBytesField(body, 'context'));
      return { signature: base64(signatures[0] ?? new Uint8Array()), keyVersion: version.version, algorithm: key.suite };
    },
  },
  {
    method: 'POST',
    path: '/v1/sign-batch',
    handle: async (ctx, _p, body) => {
      const key = ctx.store.liveKey(stringField(body, 'keyId'), 'sign');
      const messages = itemsField(body, 'items', ctx.maxBatchItems).map((b, i) => inItem('items', i, () => bytesField(b, 'message')));
      const { signatures, version } = await sign(key, messages, optionalBytesField(body, 'context'));
      return { keyVersion: version.version, algorithm: key.suite, items: signatures.map((s) => ({ signature: base64(s) })) };
    },
  },
  {
    method: 'POST',
    path: '/v1/verify',
    handle: async (ctx, _p, body) => {
      const [v] = await verifyMany(ctx, body, [verifyItem(body, optionalBytesField(body, 'context'))]);
      if (v === undefined) throw new KeyServiceError('INTERNAL', 'no result');
      return verifiedView(v);
    },
  },
  {
    method: 'POST',
    path: '/v1/verify-batch',
    handle: async (ctx, _p, body) => {
      const context = optionalBytesField(body, 'context');
      const items = itemsField(body, 'items', ctx.maxBatchItems).map((b, i) => inItem('items', i, () => verifyItem(b, context)));
      return { items: (await verifyMany(ctx, body, items)).map(verifiedView) };
    },
  },
  {
    method: 'GET',
    path: '/v1/node',
    handle: (ctx) => {
      const { node, peers } = ctx.store.set;
      return {
        kem: { suite: node.kem.suite, publicKey: base64(node.kem.publicKey), fingerprint: toHex(node.kem.fingerprint) },
        sign: { suite: node.sign.suite, publicKey: base64(node.sign.publicKey), fingerprint: toHex(node.sign.fingerprint) },
        peers: [...peers.values()].map((p) => ({ suite: p.suite, fingerprint: p.fingerprint, added: p.added, lastEnvelope: p.lastEnvelope })),
      };
    },
  },
  {
    method: 'POST',
    path: '/v1/node/peers',
    handle: (ctx, _p, body) => {
      const p = ctx.store.addPeer(bytesField(body, 'signPublicKey'), optionalStringField(body, 'suite'));
      return { suite: p.suite, fingerprint: p.fingerprint, added: p.added, lastEnvelope: p.lastEnvelope };
    },
  },
  {
    method: 'POST',
    path: '/v1/node/export',
    handle: (ctx, _p, body) => {
      let keyIds: string[] | undefined;
      if (body.keyIds !== undefined) {
        if (!Array.isArray(body.keyIds) || !body.keyIds.every((x) => typeof x === 'string')) throw new KeyServiceError('INVALID_FIELD', 'keyIds must be an array of key ids');
        keyIds = body.keyIds as string[];
      }
      return { envelope: exportEnvelope(ctx.store, bytesField(body, 'recipientKemPublicKey'), optionalStringField(body, 'recipientSuite'), keyIds) };
    },
  },
  { method: 'POST', path: '/v1/node/import', handle: (ctx, _p, body) => importEnvelope(ctx.store, body.envelope) },
];

/** The route for `method` and `path`, with its parameters; `NOT_FOUND` or `METHOD_NOT_ALLOWED` otherwise. */
export function findRoute(method: string, path: string): { route: Route; params: Params } {
  const parts = path.split('/');
  let pathMatched = false;
  for (const route of ROUTES) {
    const pattern = route.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((seg, i) => {
      const actual = parts[i] ?? '';
      if (seg.startsWith(':')) {
        // Key ids are hex: a parameter needs no decoding, and one that would is no key id.
        params[seg.slice(1)] = actual;
        return actual.length > 0;
      }
      return seg === actual;
    });
    if (!matches) continue;
    pathMatched = true;
    if (route.method === method) return { route, params };
  }
  if (pathMatched) throw new KeyServiceError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`);
  throw new KeyServiceError('NOT_FOUND', `no endpoint ${path}`);
}
