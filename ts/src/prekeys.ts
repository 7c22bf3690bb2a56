/**
 * Prekeys and prekey bundles (docs/protocol.md §2–§3). A bundle is what an initiator
 * fetches to start a session: the owner's identity, capabilities and signed prekeys.
 *
 * @example
 * ```ts
 * import { createIdentity, createPrekeyBundle, InMemoryPrekeyStore } from 'pqwire';
 * const bob = createIdentity();
 * const prekeyStore = new InMemoryPrekeyStore();
 * const bundle = await createPrekeyBundle(bob, { prekeyStore }); // publish these bytes
 * ```
 */
import native from './native';
import { call, makeError } from './errors';
import { describe } from './bytes';
import { toHex } from './hex';
import { nowSeconds, seconds } from './identity';
import type { Identity } from './identity';
import { capabilities as defaultCapabilities } from './negotiation';
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

/** Generates prekeys signed by `identity`, ready for {@link PrekeyStore.save}. */
export function generatePrekeys(identity: Identity, options: GeneratePrekeysOptions): StoredPrekey[] {
  if (typeof options !== 'object' || options === null) {
    throw makeError('INVALID_TYPE', `options must be an object, got ${describe(options)}`);
  }
  const oneTime = options.kind === 'one-time' || options.kind === 'one-time-kem';
  const created = options.created === undefined ? nowSeconds() : seconds('created', options.created);
  const lifetime =
    options.lifetime === undefined ? (oneTime ? DEFAULT_ONE_TIME_PREKEY_LIFETIME : DEFAULT_SIGNED_PREKEY_LIFETIME) : seconds('lifetime', options.lifetime);
  const count = options.count === undefined ? 1 : seconds('count', options.count);
  const kem = options.kem ?? 'ML-KEM-768';
  const made = call(() => native.prekeyGenerate(identity.native, options.kind, kem, created, created + lifetime, count));
  return made.map((p) => ({
    keyId: toHex(p.keyId),
    kind: p.kind as PrekeyKind,
    suite: p.suite,
    created: p.created,
    expires: p.expires,
    package: p.package,
    signature: p.signature,
    secret: p.secret,
    uses: 0,
  }));
}

/** The prekeys one bundle holds. */
export interface BundlePrekeys {
  signedPrekey: StoredPrekey;
  /** A one-time or last-resort ML-KEM prekey; without it the bundle is classical only. */
  kemPrekey?: StoredPrekey;
  oneTimePrekey?: StoredPrekey;
}

/** Assembles a bundle from public prekeys (a server does this for each fetch). */
export function assemblePrekeyBundle(identity: Identity, prekeys: BundlePrekeys, capabilities: CapabilitiesInput = {}): Uint8Array {
  const caps = encode(defaultCapabilities(capabilities));
  const pub = (p: StoredPrekey): { kind: string; package: Uint8Array; signature: Uint8Array } => ({ kind: p.kind, package: p.package, signature: p.signature });
  return call(() =>
    native.bundleBuild(
      identity.native,
      caps,
      pub(prekeys.signedPrekey),
      prekeys.kemPrekey && pub(prekeys.kemPrekey),
      prekeys.oneTimePrekey && pub(prekeys.oneTimePrekey),
    ),
  );
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
  /** Capabilities the bundle publishes (the responder must accept with the same). */
  capabilities?: CapabilitiesInput;
  /** Rotate the signed and last-resort prekeys after this many seconds (default 7 days) or uses (default 10,000). */
  rotation?: { maxAge?: number; maxUses?: number };
  /** Unix seconds; default now. */
  now?: number;
}

/**
 * Creates a prekey bundle for `identity`: deletes the store's expired prekeys and
 * replay-cache entries ({@link PrekeyStore.removeExpired}: a rotated-out signed or
 * last-resort prekey lives on until it expires, 30 days after its rotation by default,
 * so that initial messages made from older bundles still arrive, and is then deleted
 * with its secret), reuses the store's current signed X25519 prekey and last-resort
 * ML-KEM prekey (making new ones when there are none or they are due for rotation), adds
 * fresh one-time prekeys, saves every new secret in the store, and returns the encoded
 * bundle to publish.
 */
export async function createPrekeyBundle(identity: Identity, options: CreatePrekeyBundleOptions): Promise<Uint8Array> {
  if (typeof options !== 'object' || options === null) throw makeError('INVALID_TYPE', 'createPrekeyBundle needs { prekeyStore }');
  const store = checkPrekeyStore(options.prekeyStore, 'createPrekeyBundle');
  const now = options.now === undefined ? nowSeconds() : seconds('now', options.now);
  const kem = options.kem ?? 'ML-KEM-768';
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
    const [made] = generatePrekeys(identity, { kind, kem, created: now });
    fresh.push(made!);
    return made!;
  };
  const signedPrekey = await rotated('signed');
  const kemPrekey =
    options.oneTimeKemPrekey === false ? await rotated('last-resort-kem') : generatePrekeys(identity, { kind: 'one-time-kem', kem, created: now })[0]!;
  if (options.oneTimeKemPrekey !== false) {
    fresh.push(kemPrekey);
    // A last-resort key must exist for when one-time keys run out elsewhere.
    await rotated('last-resort-kem');
  }
  const oneTimePrekey = options.oneTimePrekey === false ? undefined : generatePrekeys(identity, { kind: 'one-time', created: now })[0]!;
  if (oneTimePrekey) fresh.push(oneTimePrekey);
  const bundle = assemblePrekeyBundle(identity, { signedPrekey, kemPrekey, oneTimePrekey }, options.capabilities);
  await store.save(fresh);
  return bundle;
}
