/**
 * Prekeys, prekey batches and prekey bundles (docs/protocol.md §2–§3). The owner signs a
 * batch of prekeys once ({@link createPrekeyBatch}) and gives the upload to a server;
 * anyone holding the upload assembles a bundle per fetch ({@link assemblePrekeyBundle}),
 * without any secret. A bundle is what an initiator fetches to start a session.
 *
 * @example
 * ```ts
 * import { createIdentity, createPrekeyBatch, assemblePrekeyBundle, InMemoryPrekeyStore } from 'pqwire';
 * const bob = createIdentity();
 * const prekeyStore = new InMemoryPrekeyStore();
 * const upload = await createPrekeyBatch(bob, { prekeyStore }); // give these bytes to the server
 * const bundle = assemblePrekeyBundle(upload, { kemIndex: 0, oneTimeIndex: 0 }); // the server, per fetch
 * ```
 */
import native from './native';
import { call, makeError } from './errors';
import { bytes, describe } from './bytes';
import { toHex } from './hex';
import { nowSeconds, seconds } from './identity';
import type { Identity } from './identity';
import { sessionCapabilities as defaultCapabilities } from './negotiation';
import type { CapabilitiesInput } from './negotiation';
import { encode } from './wire';
import { checkPrekeyStore } from './stores';
import type { PrekeyKind, PrekeyStore, StoredPrekey } from './stores';

const DAY = 24 * 60 * 60;
/** Default lifetime of signed and last-resort prekeys: rotated after 7 days, valid 30 more. */
export const DEFAULT_SIGNED_PREKEY_LIFETIME = 37 * DAY;
/** Default lifetime of one-time prekeys: 90 days. */
export const DEFAULT_ONE_TIME_PREKEY_LIFETIME = 90 * DAY;

/** ML-KEM suites prekeys may use. */
export type PrekeyKemSuite = 'ML-KEM-512' | 'ML-KEM-768' | 'ML-KEM-1024';

/** Options of {@link generatePrekeys}. */
export interface GeneratePrekeysOptions {
  kind: PrekeyKind;
  /** How many; default 1. */
  count?: number;
  /** For the KEM kinds; default `ML-KEM-768`. */
  kem?: PrekeyKemSuite;
  /** Default now. */
  created?: number;
  /** Seconds; default 37 days (signed kinds) or 90 days (one-time kinds). */
  lifetime?: number;
}

/** Default number of one-time X25519 prekeys, and of one-time ML-KEM prekeys, in a batch. */
export const DEFAULT_BATCH_SIZE = 100;

/**
 * Generates prekeys of `identity`, ready for {@link PrekeyStore.save}. Nothing signs them
 * one by one: {@link createPrekeyBatch} signs a batch of them once.
 */
export function generatePrekeys(identity: Identity, options: GeneratePrekeysOptions): StoredPrekey[] {
  // The keys are the identity's: a disposed identity makes none (as it signs none).
  if (identity.disposed) throw makeError('DISPOSED', 'the identity was disposed');
  if (typeof options !== 'object' || options === null) {
    throw makeError('INVALID_TYPE', `options must be an object, got ${describe(options)}`);
  }
  const oneTime = options.kind === 'one-time' || options.kind === 'one-time-kem';
  const created = options.created === undefined ? nowSeconds() : seconds('created', options.created);
  const lifetime =
    options.lifetime === undefined ? (oneTime ? DEFAULT_ONE_TIME_PREKEY_LIFETIME : DEFAULT_SIGNED_PREKEY_LIFETIME) : seconds('lifetime', options.lifetime);
  const count = options.count === undefined ? 1 : seconds('count', options.count);
  const kem = options.kem ?? 'ML-KEM-768';
  const made = call(() => native.prekeyGenerate(options.kind, kem, created, created + lifetime, count));
  return made.map((p) => ({
    keyId: toHex(p.keyId),
    kind: p.kind as PrekeyKind,
    suite: p.suite,
    created: p.created,
    expires: p.expires,
    package: p.package,
    secret: p.secret,
    uses: 0,
  }));
}

/** Options of {@link createPrekeyBatch}. */
export interface CreatePrekeyBatchOptions {
  /** Where the secrets go, and where the current signed prekeys come from. */
  prekeyStore: PrekeyStore;
  /** One-time X25519 prekeys; default {@link DEFAULT_BATCH_SIZE}. */
  oneTimeCount?: number;
  /** One-time ML-KEM prekeys; default {@link DEFAULT_BATCH_SIZE}. */
  oneTimeKemCount?: number;
  /** ML-KEM suite of the KEM prekeys; default `ML-KEM-768`; `null`: a classical-only batch (no KEM prekey; `oneTimeKemCount` must be 0). */
  kem?: PrekeyKemSuite | null;
  /** Capabilities the batch states (the responder must accept with the same): `capabilities()`'s defaults, but no MLS unless `mlsSuites` or `features` is given. */
  capabilities?: CapabilitiesInput;
  /** Rotate the signed and last-resort prekeys after this many seconds (default 7 days) or uses (default 10,000). */
  rotation?: { maxAge?: number; maxUses?: number };
  /** Unix seconds; default now. */
  now?: number;
}

const count = (name: string, value: number | undefined, fallback: number): number => {
  const n = value === undefined ? fallback : seconds(name, value);
  if (n > 10_000) throw makeError('INVALID_ARGUMENT', `${name} must be at most 10,000, got ${n}`);
  return n;
};

/**
 * Creates a prekey batch for `identity` and signs it once: deletes the store's expired
 * prekeys and replay-cache entries ({@link PrekeyStore.removeExpired}: a rotated-out
 * signed or last-resort prekey lives on until it expires, 30 days after its rotation by
 * default, so that initial messages made from older bundles still arrive), reuses the
 * store's current signed X25519 prekey and last-resort ML-KEM prekey (making new ones
 * when there are none or they are due for rotation), adds fresh one-time prekeys, saves
 * every new secret in the store, and returns the encoded prekey upload: public bytes
 * for the server, from which {@link assemblePrekeyBundle} makes bundles.
 */
export async function createPrekeyBatch(identity: Identity, options: CreatePrekeyBatchOptions): Promise<Uint8Array> {
  if (typeof options !== 'object' || options === null) throw makeError('INVALID_TYPE', 'createPrekeyBatch needs { prekeyStore }');
  const store = checkPrekeyStore(options.prekeyStore, 'createPrekeyBatch');
  const now = options.now === undefined ? nowSeconds() : seconds('now', options.now);
  const kem = options.kem === null ? null : (options.kem ?? 'ML-KEM-768');
  const oneTimeCount = count('oneTimeCount', options.oneTimeCount, DEFAULT_BATCH_SIZE);
  const oneTimeKemCount = count('oneTimeKemCount', options.oneTimeKemCount, kem === null ? 0 : DEFAULT_BATCH_SIZE);
  if (kem === null && oneTimeKemCount > 0) throw makeError('INVALID_ARGUMENT', 'one-time KEM prekeys need a KEM suite (kem: null given)');
  await store.removeExpired(now);
  const fresh: StoredPrekey[] = [];
  const rotated = async (kind: 'signed' | 'last-resort-kem'): Promise<StoredPrekey> => {
    const current = await store.current(kind);
    const due =
      current === undefined ||
      current.expires <= now ||
      (kind === 'last-resort-kem' && current.suite !== kem) ||
      call(() => native.needsRotation(current.created, current.uses, now, options.rotation?.maxAge, options.rotation?.maxUses));
    if (!due) return current;
    const [made] = generatePrekeys(identity, { kind, kem: kem ?? undefined, created: now });
    fresh.push(made!);
    return made!;
  };
  const signedPrekey = await rotated('signed');
  const lastResort = kem === null ? undefined : await rotated('last-resort-kem');
  const some = (kind: PrekeyKind, n: number): StoredPrekey[] =>
    n === 0 ? [] : generatePrekeys(identity, { kind, kem: kem ?? undefined, count: n, created: now });
  const oneTimeKem = some('one-time-kem', oneTimeKemCount);
  const oneTime = some('one-time', oneTimeCount);
  fresh.push(...oneTimeKem, ...oneTime);
  const pub = (p: StoredPrekey): { kind: string; package: Uint8Array } => ({ kind: p.kind, package: p.package });
  const caps = encode(defaultCapabilities(options.capabilities ?? {}));
  const upload = call(() => native.prekeyBatchSign(identity.native, caps, pub(signedPrekey), lastResort && pub(lastResort), oneTimeKem.map(pub), oneTime.map(pub)));
  await store.save(fresh);
  return upload;
}

/** Which prekeys of an upload a bundle carries ({@link assemblePrekeyBundle}). */
export interface AssemblePrekeyBundleOptions {
  /** The one-time ML-KEM prekey (0-based); absent: the last-resort ML-KEM prekey. */
  kemIndex?: number;
  /** The one-time X25519 prekey (0-based); absent: none. */
  oneTimeIndex?: number;
}

type NativeAssembler = InstanceType<typeof native.NativeBundleAssembler>;

const index = (name: string, v: number | undefined): number | null => (v === undefined ? null : seconds(name, v));

/**
 * Bundles from one prekey upload, decoded and hashed once: each bundle then costs one
 * Merkle path. For a server that serves many bundles of the same batch.
 *
 * @example
 * ```ts
 * const server = new PrekeyBundleAssembler(upload);
 * const bundle = server.bundle({ kemIndex: 7, oneTimeIndex: 7 }); // hand each index out once
 * ```
 */
export class PrekeyBundleAssembler {
  readonly #native: NativeAssembler;

  /** Decodes `upload` ({@link createPrekeyBatch}'s bytes; `WireFormatError` when malformed). */
  constructor(upload: Uint8Array) {
    const bytesIn = bytes('upload', upload);
    this.#native = call(() => new native.NativeBundleAssembler(bytesIn));
  }

  /** The bundle with these prekeys (see {@link AssemblePrekeyBundleOptions}). */
  bundle(options: AssemblePrekeyBundleOptions = {}): Uint8Array {
    if (typeof options !== 'object' || options === null) throw makeError('INVALID_TYPE', `options must be an object, got ${describe(options)}`);
    const kemIndex = index('kemIndex', options.kemIndex);
    const oneTimeIndex = index('oneTimeIndex', options.oneTimeIndex);
    return call(() => this.#native.bundle(kemIndex, oneTimeIndex));
  }
}

/** What {@link verifyPrekeyUpload} found in a verified upload. */
export interface PrekeyUploadFacts {
  /** The owner's identity signing key package, encoded: `PublicIdentity.signingKey` of the owner. */
  identitySigningKey: Uint8Array;
  oneTimeKemCount: number;
  oneTimeCount: number;
  /** Whether the batch has ML-KEM prekeys (a last-resort one at least). */
  hasKem: boolean;
  /** End of validity of the signed and last-resort prekeys (unix seconds). */
  signedExpires: number;
  /** End of validity of the one-time prekeys (unix seconds). */
  oneTimeExpires: number;
}

/**
 * Verifies a prekey upload as a server receiving it would: the batch signature (both
 * halves of the owner's hybrid identity key) and that the Merkle root covers exactly the
 * uploaded keys (`AUTH_FAILED`; `WireFormatError` when malformed). Public bytes only.
 *
 * @example
 * ```ts
 * const facts = verifyPrekeyUpload(upload);
 * if (!Buffer.from(facts.identitySigningKey).equals(device.signingKey)) throw new Error("another identity's upload");
 * ```
 */
export function verifyPrekeyUpload(upload: Uint8Array): PrekeyUploadFacts {
  const input = bytes('upload', upload);
  const f = call(() => native.prekeyUploadVerify(input));
  return {
    identitySigningKey: f.identitySigKey,
    oneTimeKemCount: f.oneTimeKemCount,
    oneTimeCount: f.oneTimeCount,
    hasKem: f.hasKem,
    signedExpires: f.signedExpires,
    oneTimeExpires: f.oneTimeExpires,
  };
}

/** The assembler of the last uploads seen, with a copy of their bytes to detect a change. */
const assemblers = new WeakMap<Uint8Array, { copy: Uint8Array; assembler: PrekeyBundleAssembler }>();

/**
 * Assembles a prekey bundle from a prekey upload ({@link createPrekeyBatch}'s bytes):
 * public bytes only, so a server does this per fetch. The server hands out each one-time
 * index once; an index out of range is `INVALID_ARGUMENT`. The decoded upload is kept
 * (weakly, per `Uint8Array`, checked against a copy) so that the next call with the same
 * bytes costs one Merkle path; {@link PrekeyBundleAssembler} does the same explicitly.
 */
export function assemblePrekeyBundle(upload: Uint8Array, options: AssemblePrekeyBundleOptions = {}): Uint8Array {
  const input = bytes('upload', upload);
  let cached = assemblers.get(input);
  if (cached === undefined || cached.copy.length !== input.length || Buffer.compare(cached.copy, input) !== 0) {
    cached = { copy: Uint8Array.from(input), assembler: new PrekeyBundleAssembler(input) };
    assemblers.set(input, cached);
  }
  return cached.assembler.bundle(options);
}

/** Options of {@link createPrekeyBundle}. */
export interface CreatePrekeyBundleOptions {
  /** Where the secrets go, and where the current signed prekeys come from. */
  prekeyStore: PrekeyStore;
  /** ML-KEM suite of new KEM prekeys; default `ML-KEM-768`. */
  kem?: PrekeyKemSuite;
  /** Include a fresh one-time ML-KEM prekey (default true); else the last-resort one. */
  oneTimeKemPrekey?: boolean;
  /** Include a fresh one-time X25519 prekey (default true). */
  oneTimePrekey?: boolean;
  /** Capabilities the bundle publishes (the responder must accept with the same): `capabilities()`'s defaults, but no MLS unless `mlsSuites` or `features` is given. */
  capabilities?: CapabilitiesInput;
  /** Rotate the signed and last-resort prekeys after this many seconds (default 7 days) or uses (default 10,000). */
  rotation?: { maxAge?: number; maxUses?: number };
  /** Unix seconds; default now. */
  now?: number;
}

/**
 * Creates one prekey bundle for `identity`: a batch of its own ({@link createPrekeyBatch}
 * with at most one one-time prekey of each kind), then the bundle from it
 * ({@link assemblePrekeyBundle}). The one-call convenience; a server holding uploads
 * serves many bundles from one batch instead.
 */
export async function createPrekeyBundle(identity: Identity, options: CreatePrekeyBundleOptions): Promise<Uint8Array> {
  if (typeof options !== 'object' || options === null) throw makeError('INVALID_TYPE', 'createPrekeyBundle needs { prekeyStore }');
  const withKem = options.oneTimeKemPrekey !== false;
  const withOneTime = options.oneTimePrekey !== false;
  const upload = await createPrekeyBatch(identity, {
    prekeyStore: options.prekeyStore,
    kem: options.kem,
    capabilities: options.capabilities,
    rotation: options.rotation,
    now: options.now,
    oneTimeKemCount: withKem ? 1 : 0,
    oneTimeCount: withOneTime ? 1 : 0,
  });
  return assemblePrekeyBundle(upload, { kemIndex: withKem ? 0 : undefined, oneTimeIndex: withOneTime ? 0 : undefined });
}
