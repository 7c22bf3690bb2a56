/**
 * Migration from classical keys. An app with Ed25519 / X25519 identity keys imports them
 * ({@link importLegacyKeypair}, raw bytes or JWK), promotes them into a hybrid identity
 * whose Ed25519 half is the old key ({@link promoteToHybrid}: a fresh ML-DSA half, the
 * old X25519 key kept, and a continuity proof signed by the old key that peers check
 * with {@link verifyContinuity}), and makes every stored session take an ML-KEM ratchet
 * step at its next send ({@link rekeyAllSessions}).
 *
 * @example
 * ```ts
 * import { importLegacyKeypair, promoteToHybrid, verifyContinuity } from 'pqwire';
 * const oldSigning = importLegacyKeypair({ kty: 'OKP', crv: 'Ed25519', d: '…', x: '…' });
 * const oldDh = importLegacyKeypair({ type: 'X25519', secretKey: storedX25519Secret });
 * const { identity, continuityProof } = promoteToHybrid(oldSigning, { dh: oldDh });
 * // A peer who knew oldSigning.publicKey:
 * verifyContinuity(oldSigning.publicKey, identity.publicIdentity, continuityProof); // true
 * ```
 */
import native from './native';
import { call, makeError } from './errors';
import { bytes, describe } from './bytes';
import { toHex } from './hex';
import { DEFAULT_IDENTITY_LIFETIME, Identity, nowSeconds, PublicIdentity, seconds } from './identity';
import type { IdentitySuite } from './identity';
import { ed25519 } from './sig';
import { x25519 } from './x25519';
import { Session } from './session';
import { DISPOSE } from './dispose';
import type { SessionStore } from './stores';

/** A classical key pair being migrated. The secret key is kept private and never shown. */
export class LegacyKeypair {
  readonly type: 'X25519' | 'Ed25519';
  readonly publicKey: Uint8Array;
  readonly #secretKey: Uint8Array;
  #disposed = false;

  /** @internal */
  constructor(type: 'X25519' | 'Ed25519', secretKey: Uint8Array, publicKey: Uint8Array) {
    this.type = type;
    this.#secretKey = Uint8Array.from(secretKey);
    this.publicKey = publicKey;
  }

  /** @internal */
  secretKey(): Uint8Array {
    if (this.#disposed) throw makeError('DISPOSED', `the legacy ${this.type} key was disposed`);
    return this.#secretKey;
  }

  /**
   * Overwrites the secret key with zeros now (it lives in JavaScript memory, the only
   * copy pqwire keeps); later uses throw `DisposedError`. Idempotent.
   *
   * @example
   * ```ts
   * const legacy = importLegacyKeypair({ type: 'Ed25519', secretKey: seed });
   * const { identity } = promoteToHybrid(legacy);
   * legacy.dispose();
   * ```
   */
  dispose(): void {
    this.#secretKey.fill(0);
    this.#disposed = true;
  }

  /** {@link LegacyKeypair.dispose}, for `using`. */
  [DISPOSE](): void {
    this.dispose();
  }

  /** Whether {@link LegacyKeypair.dispose} was called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Never shows the secret. */
  toJSON(): { type: string; publicKey: string } {
    return { type: this.type, publicKey: toHex(this.publicKey) };
  }
}

/** A raw classical key: the 32-byte secret key (Ed25519: its seed), optionally the public key to check. */
export interface RawLegacyKey {
  type: 'X25519' | 'Ed25519';
  secretKey: Uint8Array;
  publicKey?: Uint8Array;
}

/** An OKP JSON Web Key (RFC 8037) with its private part `d`. */
export interface OkpJwk {
  kty: 'OKP';
  crv: 'X25519' | 'Ed25519';
  /** Private key, base64url. */
  d: string;
  /** Public key, base64url. */
  x?: string;
}

function base64url(name: string, value: unknown): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value)) {
    throw makeError('INVALID_ARGUMENT', `JWK ${name} must be base64url, got ${describe(value)}`);
  }
  return Uint8Array.from(Buffer.from(value, 'base64url'));
}

/**
 * Imports a classical X25519 or Ed25519 key pair from raw bytes or an OKP JWK. The
 * public key is derived from the secret one; when one is given it must match
 * (`INVALID_KEY`).
 */
export function importLegacyKeypair(key: RawLegacyKey | OkpJwk): LegacyKeypair {
  if (typeof key !== 'object' || key === null) {
    throw makeError('INVALID_TYPE', `key must be { type, secretKey } or an OKP JWK, got ${describe(key)}`);
  }
  let type: unknown;
  let secret: Uint8Array;
  let given: Uint8Array | undefined;
  if ('kty' in key) {
    if (key.kty !== 'OKP') throw makeError('INVALID_ARGUMENT', `JWK kty must be OKP, got ${describe(key.kty)}`);
    type = key.crv;
    if (key.d === undefined) throw makeError('INVALID_ARGUMENT', 'JWK has no private key (d)');
    secret = base64url('d', key.d);
    given = key.x === undefined ? undefined : base64url('x', key.x);
  } else {
    type = key.type;
    secret = bytes('secretKey', key.secretKey);
    given = key.publicKey === undefined ? undefined : bytes('publicKey', key.publicKey);
  }
  if (type !== 'X25519' && type !== 'Ed25519') {
    throw makeError('INVALID_ARGUMENT', `legacy keys are X25519 or Ed25519, got ${describe(type)}`);
  }
  if (secret.length !== 32) throw makeError('BAD_LENGTH', `${type} secret key must be 32 bytes, got ${secret.length}`);
  const derived = type === 'X25519' ? x25519.publicKey(secret) : ed25519.keygen(secret).publicKey;
  if (given !== undefined && !Buffer.from(given).equals(Buffer.from(derived))) {
    throw makeError('INVALID_KEY', `${type} public key does not belong to the secret key`);
  }
  return new LegacyKeypair(type, secret, derived);
}

/** Options of {@link promoteToHybrid}. */
export interface PromoteOptions {
  /** The legacy X25519 identity key to keep as the identity's DH key (else a new one). */
  dh?: LegacyKeypair;
  /** Default `Ed25519+ML-DSA-65`. */
  suite?: IdentitySuite;
  created?: number;
  lifetime?: number;
}

/** What {@link promoteToHybrid} gives. */
export interface Promoted {
  identity: Identity;
  /** The legacy Ed25519 key's signature over the new identity's signing key. */
  continuityProof: Uint8Array;
}

/**
 * Turns a legacy Ed25519 key into a hybrid identity: the Ed25519 half is the old key,
 * the ML-DSA half is new, and the old key signs the new hybrid key package. The ML-KEM
 * part of a pqwire identity is its signed KEM prekeys: `createPrekeyBundle` makes them.
 */
export function promoteToHybrid(signing: LegacyKeypair, options: PromoteOptions = {}): Promoted {
  if (!(signing instanceof LegacyKeypair) || signing.type !== 'Ed25519') {
    throw makeError('INVALID_TYPE', 'promoteToHybrid takes an Ed25519 LegacyKeypair (importLegacyKeypair)');
  }
  if (options.dh !== undefined && (!(options.dh instanceof LegacyKeypair) || options.dh.type !== 'X25519')) {
    throw makeError('INVALID_TYPE', 'options.dh must be an X25519 LegacyKeypair');
  }
  const created = options.created === undefined ? nowSeconds() : seconds('created', options.created);
  const lifetime = options.lifetime === undefined ? DEFAULT_IDENTITY_LIFETIME : seconds('lifetime', options.lifetime);
  const suite = options.suite ?? 'Ed25519+ML-DSA-65';
  const handle = call(() => native.NativeIdentity.promote(signing.secretKey(), options.dh?.secretKey(), suite, created, created + lifetime));
  return { identity: new Identity(handle), continuityProof: call(() => handle.continuityProof()) };
}

/**
 * Whether `identity` continues the legacy Ed25519 key `legacyPublicKey`: the proof
 * verifies under it and the identity's Ed25519 half is that key.
 */
export function verifyContinuity(legacyPublicKey: Uint8Array, identity: PublicIdentity, proof: Uint8Array): boolean {
  if (!(identity instanceof PublicIdentity)) throw makeError('INVALID_TYPE', 'identity must be a PublicIdentity');
  try {
    call(() => native.verifyContinuity(bytes('legacyPublicKey', legacyPublicKey, 32), identity.signingKey, bytes('proof', proof)));
    return true;
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'AUTH_FAILED') return false;
    throw e;
  }
}

/**
 * Makes every session in `store` take a hybrid (ML-KEM) ratchet step at its next send
 * whatever its cadence, and saves it. Returns the addresses done. A session that fails
 * to load (for example a rollback) is skipped and listed in `failed`. Each save advances
 * the stored record, so copies of these sessions that the application holds attached
 * get `SessionConflictError` at their next operation and must be loaded again (run it
 * when no session is in use, or reload after it).
 */
export async function rekeyAllSessions(store: SessionStore): Promise<{ rekeyed: string[]; failed: { address: string; error: Error }[] }> {
  const rekeyed: string[] = [];
  const failed: { address: string; error: Error }[] = [];
  for (const address of await store.addresses()) {
    let session: Session | undefined;
    try {
      session = await Session.load(store, address);
      if (!session) continue;
      session.forceKemStep();
      await session.save(store, address);
      rekeyed.push(address);
    } catch (e) {
      failed.push({ address, error: e instanceof Error ? e : new Error(String(e)) });
    } finally {
      session?.dispose();
    }
  }
  return { rekeyed, failed };
}
