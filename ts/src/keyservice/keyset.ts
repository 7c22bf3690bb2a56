/**
 * The key set in memory: keys with their versions (secret halves in native key-pair
 * handles), this node's own keys for key distribution, and the nodes it trusts. Values
 * are never changed in place: an operation builds the next key set, the store persists
 * it, and only then does it replace the current one (a failed write changes nothing).
 *
 * The plaintext encoding (wrapped at rest by keyset-file.ts, and inside key envelopes):
 * `u32 length ‖ JSON metadata ‖ secret keys`, each secret named in the metadata by
 * `[offset, length]` into the trailing bytes, so secrets never become JavaScript strings.
 */
import { randomBytes } from 'node:crypto';
import type { KemKeyPair } from '../kem-keypair';
import type { SigKeyPair } from '../sig-keypair';
import { toHex } from '../hex';
import { keyFingerprint } from './construction';
import { base64, isBase64 } from './fields';
import { keySuite, signSuite, type KeyType } from './suites';

/** One version of a key. `pair` is absent once the version is retired. */
export interface KeyVersion {
  readonly version: number;
  readonly created: string;
  readonly publicKey: Uint8Array;
  /** {@link keyFingerprint} of the public key. */
  readonly fingerprint: Uint8Array;
  readonly retired?: string;
  readonly pair?: KemKeyPair | SigKeyPair;
}

/** A key: its versions, oldest first; the current one is the newest live version. */
export interface KeyRecord {
  readonly id: string;
  readonly type: KeyType;
  readonly suite: string;
  readonly created: string;
  readonly versions: readonly KeyVersion[];
}

/** A node whose key envelopes this one imports. */
export interface Peer {
  readonly suite: string;
  readonly signPublicKey: Uint8Array;
  /** Hex fingerprint of the signing key: how envelopes name their sender. */
  readonly fingerprint: string;
  readonly added: string;
  /** Version of the last envelope imported from it (0: none yet). */
  readonly lastEnvelope: number;
}

/** This node's own keys: envelopes are encrypted to `kem` and signed with `sign`. */
export interface NodeKeys {
  readonly kem: KeyVersion & { readonly suite: string };
  readonly sign: KeyVersion & { readonly suite: string };
}

export interface KeySet {
  /** Grows by one with every write: the rollback check compares it. */
  readonly counter: number;
  readonly keys: ReadonlyMap<string, KeyRecord>;
  readonly node: NodeKeys;
  readonly peers: ReadonlyMap<string, Peer>;
}

/** A new key id: 16 random bytes as hex. */
export function newKeyId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Key pairs the service holds are lockable: their whole secret state sits where
 * `lockMemory()` reaches (docs/keyservice.md, "Memory").
 */
const LOCKABLE = { lockable: true } as const;

/** A new key pair of `type`/`suite` and its first-version fields. */
export function generateVersion(type: KeyType, suite: string, version: number): KeyVersion {
  const pair = keySuite(type, suite).generateKeyPair(undefined, LOCKABLE);
  const publicKey = pair.publicKey;
  return { version, created: new Date().toISOString(), publicKey, fingerprint: keyFingerprint(suite, publicKey), pair };
}

/** `v` retired at `when`: the same public fields, no secret half. */
export function retiredCopy(v: KeyVersion, when: string): KeyVersion {
  return { version: v.version, created: v.created, publicKey: v.publicKey, fingerprint: v.fingerprint, retired: when };
}

/** The newest live version, if any. */
export function currentVersion(key: KeyRecord): KeyVersion | undefined {
  for (let i = key.versions.length - 1; i >= 0; i--) {
    const v = key.versions[i];
    if (v !== undefined && v.retired === undefined) return v;
  }
  return undefined;
}

/** Live versions, newest first. */
export function liveVersions(key: KeyRecord): KeyVersion[] {
  return key.versions.filter((v) => v.retired === undefined).reverse();
}

/** Every key version of `set`, the node's two keys included. */
export function everyVersion(set: KeySet): KeyVersion[] {
  return [...[...set.keys.values()].flatMap((k) => k.versions), set.node.kem, set.node.sign];
}

/** Wipes every secret of `versions` held in memory (retirement, exit). */
export function disposeVersions(versions: Iterable<KeyVersion>): void {
  for (const v of versions) v.pair?.dispose();
}

function disposePairs(pairs: Iterable<KemKeyPair | SigKeyPair>): void {
  for (const p of pairs) p.dispose();
}

// ---- encoding --------------------------------------------------------------------------

interface VersionJson {
  version: number;
  created: string;
  publicKey: string;
  retired?: string;
  secret?: [number, number];
}
interface KeyJson {
  id: string;
  type: KeyType;
  suite: string;
  created: string;
  versions: VersionJson[];
}
interface NodeKeyJson {
  suite: string;
  created: string;
  publicKey: string;
  secret: [number, number];
}
interface PeerJson {
  suite: string;
  signPublicKey: string;
  added: string;
  lastEnvelope: number;
}
/** What the plaintext's JSON part holds: a whole key set, or only keys (an envelope). */
export interface EncodedParts {
  keys: readonly KeyRecord[];
  node?: NodeKeys;
  peers?: readonly Peer[];
}

/** Collects secret keys into one buffer while the metadata names their places. */
class SecretWriter {
  readonly #parts: Uint8Array[] = [];
  #offset = 0;
  add(pair: KemKeyPair | SigKeyPair): [number, number] {
    const sk = pair.exportSecretKey();
    this.#parts.push(sk);
    const place: [number, number] = [this.#offset, sk.length];
    this.#offset += sk.length;
    return place;
  }
  /** `u32 length ‖ json ‖ secrets`; every exported secret copy is wiped. */
  finish(json: string): Uint8Array {
    const meta = Buffer.from(json, 'utf8');
    const out = new Uint8Array(4 + meta.length + this.#offset);
    new DataView(out.buffer).setUint32(0, meta.length);
    out.set(meta, 4);
    let at = 4 + meta.length;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.length;
      p.fill(0);
    }
    return out;
  }
}


/** Encodes keys (and, for the key set at rest, the node keys and peers) as plaintext. */
export function encodeParts(parts: EncodedParts): Uint8Array {
  const secrets = new SecretWriter();
  const keys: KeyJson[] = parts.keys.map((k) => ({
    id: k.id,
    type: k.type,
    suite: k.suite,
    created: k.created,
    versions: k.versions.map((v) => {
      const out: VersionJson = { version: v.version, created: v.created, publicKey: base64(v.publicKey) };
      if (v.retired !== undefined) out.retired = v.retired;
      if (v.pair !== undefined) out.secret = secrets.add(v.pair);
      return out;
    }),
  }));
  const nodeKey = (n: NodeKeys['kem']): NodeKeyJson => {
    if (n.pair === undefined) throw new Error('a node key without its secret half');
    return { suite: n.suite, created: n.created, publicKey: base64(n.publicKey), secret: secrets.add(n.pair) };
  };
  const json: { keys: KeyJson[]; node?: { kem: NodeKeyJson; sign: NodeKeyJson }; peers?: PeerJson[] } = { keys };
  if (parts.node) json.node = { kem: nodeKey(parts.node.kem), sign: nodeKey(parts.node.sign) };
  if (parts.peers) {
    json.peers = parts.peers.map((p) => ({ suite: p.suite, signPublicKey: base64(p.signPublicKey), added: p.added, lastEnvelope: p.lastEnvelope }));
  }
  return secrets.finish(JSON.stringify(json));
}

/** Reads plaintext written by {@link encodeParts} into handles; wipes `plaintext`. Throws a plain `Error` on anything malformed. */
export function decodeParts(plaintext: Uint8Array): EncodedParts {
  const created: (KemKeyPair | SigKeyPair)[] = [];
  try {
    if (plaintext.length < 4) throw new Error('too short');
    const metaLength = new DataView(plaintext.buffer, plaintext.byteOffset).getUint32(0);
    if (4 + metaLength > plaintext.length) throw new Error('metadata length past the end');
    const json: unknown = JSON.parse(Buffer.from(plaintext.subarray(4, 4 + metaLength)).toString('utf8'));
    const secretArea = plaintext.subarray(4 + metaLength);
    const reader = new Reader(secretArea, created);
    const root = object(json, 'plaintext');
    const keys = array(root.keys, 'keys').map((k) => reader.key(k));
    const parts: { keys: KeyRecord[]; node?: NodeKeys; peers?: Peer[] } = { keys };
    if (root.node !== undefined) {
      const node = object(root.node, 'node');
      parts.node = { kem: reader.nodeKey('kem', node.kem), sign: reader.nodeKey('sign', node.sign) };
    }
    if (root.peers !== undefined) parts.peers = array(root.peers, 'peers').map(peerOf);
    return parts;
  } catch (e) {
    disposePairs(created);
    throw e;
  } finally {
    plaintext.fill(0);
  }
}

type Json = Record<string, unknown>;

function object(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} is not an object`);
  return v as Json;
}
function array(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${what} is not an array`);
  return v;
}
function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} is not a string`);
  return v;
}
function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`${what} is not a non-negative integer`);
  return v;
}
function fromBase64(v: unknown, what: string): Uint8Array {
  if (!isBase64(v)) throw new Error(`${what} is not base64`);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

function peerOf(v: unknown): Peer {
  const p = object(v, 'peer');
  const suite = signSuite(str(p.suite, 'peer suite')).name;
  const signPublicKey = fromBase64(p.signPublicKey, 'peer key');
  return {
    suite,
    signPublicKey,
    fingerprint: toHex(keyFingerprint(suite, signPublicKey)),
    added: str(p.added, 'peer added'),
    lastEnvelope: int(p.lastEnvelope, 'peer lastEnvelope'),
  };
}

/** Imports the secrets named in the metadata, remembering every handle made. */
class Reader {
  constructor(
    readonly secrets: Uint8Array,
    readonly created: (KemKeyPair | SigKeyPair)[],
  ) {}

  pair(type: KeyType, suite: string, place: unknown, publicKey: Uint8Array): KemKeyPair | SigKeyPair {
    const [offset, length] = array(place, 'secret place').map((n) => int(n, 'secret place'));
    if (offset === undefined || length === undefined || offset + length > this.secrets.length) throw new Error('secret place out of range');
    const sk = this.secrets.subarray(offset, offset + length);
    const pair = keySuite(type, suite).importKeyPair(sk, publicKey, LOCKABLE);
    this.created.push(pair);
    return pair;
  }

  key(v: unknown): KeyRecord {
    const k = object(v, 'key');
    const type = str(k.type, 'key type');
    if (type !== 'kem' && type !== 'sign') throw new Error('key type is neither kem nor sign');
    const suite = keySuite(type, k.suite).name;
    const versions = array(k.versions, 'versions').map((x): KeyVersion => {
      const ver = object(x, 'version');
      const publicKey = fromBase64(ver.publicKey, 'public key');
      const out: { -readonly [K in keyof KeyVersion]: KeyVersion[K] } = {
        version: int(ver.version, 'version'),
        created: str(ver.created, 'created'),
        publicKey,
        fingerprint: keyFingerprint(suite, publicKey),
      };
      if (ver.retired !== undefined) out.retired = str(ver.retired, 'retired');
      else out.pair = this.pair(type, suite, ver.secret, publicKey);
      return out;
    });
    const id = str(k.id, 'key id');
    if (!/^[0-9a-f]{32}$/.test(id)) throw new Error('malformed key id');
    if (versions.length === 0 || versions.some((v, i) => i > 0 && v.version <= (versions[i - 1]?.version ?? 0)) || (versions[0]?.version ?? 0) < 1) {
      throw new Error(`key ${id}: versions must be 1 or more, unique and in order`);
    }
    return { id, type, suite, created: str(k.created, 'created'), versions };
  }

  nodeKey(type: KeyType, v: unknown): NodeKeys['kem'] {
    const n = object(v, 'node key');
    const suite = keySuite(type, n.suite).name;
    const publicKey = fromBase64(n.publicKey, 'node public key');
    const pair = this.pair(type, suite, n.secret, publicKey);
    return { suite, version: 1, created: str(n.created, 'created'), publicKey, fingerprint: keyFingerprint(suite, publicKey), pair };
  }
}
