/**
 * Authenticated encryption: ChaCha20-Poly1305 and AES-256-GCM (32-byte key, 12-byte nonce,
 * 16-byte tag appended to the ciphertext). Never reuse a nonce under one key: derive it
 * from a message counter, as pqwire's protocol layers do.
 *
 * @example
 * ```ts
 * import { aead } from 'pqwire';
 * const chacha = aead('ChaCha20-Poly1305');
 * const key = crypto.getRandomValues(new Uint8Array(32));
 * const nonce = new Uint8Array(12); // counter 0
 * const sealed = chacha.seal(key, nonce, new TextEncoder().encode('hi'), new Uint8Array([1]));
 * chacha.open(key, nonce, sealed, new Uint8Array([1])); // 'hi'; throws AuthenticationError if tampered
 * ```
 */
import native from './native';
import { bytes, optionalBytes, text } from './bytes';
import { call, callAsync, makeError } from './errors';
import { publicOutput, withSecret } from './output';
import type { AeadSuiteInput, AeadSuiteName } from './suites';

/** Sizes, in bytes, of an AEAD's key, nonce and tag. */
export interface AeadLengths {
  readonly key: number;
  readonly nonce: number;
  readonly tag: number;
}

const LENGTHS: AeadLengths = Object.freeze({ key: 32, nonce: 12, tag: 16 });

/** One AEAD suite. Obtain instances with {@link aead}. */
export class Aead {
  /** Canonical suite name. */
  readonly name: AeadSuiteName;
  /** Key, nonce and tag sizes. */
  readonly lengths: AeadLengths = LENGTHS;
  readonly #id: number;

  /** @internal Use {@link aead}. */
  constructor(id: number, name: AeadSuiteName) {
    this.#id = id;
    this.name = name;
    Object.freeze(this);
  }

  /** Encrypts `plaintext`, authenticating `associatedData`; returns ciphertext ‖ tag. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Uint8Array {
    const [k, n, p, ad] = this.#check(key, nonce, plaintext, associatedData, 'plaintext');
    const out = publicOutput(p.length + LENGTHS.tag);
    call(() => native.aeadSeal(this.#id, k, n, p, ad, out));
    return out;
  }

  /** Checks the tag and decrypts; throws `AuthenticationError` (`AUTH_FAILED`) on any mismatch. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, associatedData?: Uint8Array): Uint8Array {
    const [k, n, c, ad] = this.#checkSealed(key, nonce, sealed, associatedData);
    return call(() => withSecret(c.length - LENGTHS.tag, (out) => native.aeadOpen(this.#id, k, n, c, ad, out)));
  }

  /** {@link seal} on the libuv thread pool, for large messages. */
  sealAsync(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Promise<Uint8Array> {
    return callAsync(async () => {
      const [k, n, p, ad] = this.#check(key, nonce, plaintext, associatedData, 'plaintext');
      return native.aeadSealAsync(this.#id, k, n, p, ad);
    });
  }

  /** {@link open} on the libuv thread pool, for large messages. */
  openAsync(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, associatedData?: Uint8Array): Promise<Uint8Array> {
    return callAsync(async () => {
      const [k, n, c, ad] = this.#checkSealed(key, nonce, sealed, associatedData);
      return native.aeadOpenAsync(this.#id, k, n, c, ad);
    });
  }

  /** {@link #check} for `open`/`openAsync`: the sealed input must hold at least the tag. */
  #checkSealed(
    key: Uint8Array,
    nonce: Uint8Array,
    sealed: Uint8Array,
    associatedData: Uint8Array | undefined,
  ): [Uint8Array, Uint8Array, Uint8Array, Uint8Array | undefined] {
    const checked = this.#check(key, nonce, sealed, associatedData, 'sealed');
    if (checked[2].length < LENGTHS.tag) {
      throw makeError('BAD_LENGTH', `sealed must be at least ${LENGTHS.tag} bytes, got ${checked[2].length}`);
    }
    return checked;
  }

  #check(
    key: Uint8Array,
    nonce: Uint8Array,
    data: Uint8Array,
    associatedData: Uint8Array | undefined,
    dataName: string,
  ): [Uint8Array, Uint8Array, Uint8Array, Uint8Array | undefined] {
    return [
      bytes('key', key, LENGTHS.key),
      bytes('nonce', nonce, LENGTHS.nonce),
      bytes(dataName, data),
      optionalBytes('associatedData', associatedData),
    ];
  }
}

const cache = new Map<number, Aead>();

/** The AEAD suite `name`. Throws `UnknownSuiteError` for an unknown name. */
export function aead(name: AeadSuiteInput): Aead {
  const id = call(() => native.aeadSuiteId(text('name', name)));
  let a = cache.get(id);
  if (!a) {
    const canonical = (native.aeadSuiteNames() as AeadSuiteName[]).find(
      (n) => native.aeadSuiteId(n) === id,
    ) as AeadSuiteName;
    a = new Aead(id, canonical);
    cache.set(id, a);
  }
  return a;
}

/** Every AEAD suite name. */
export const aeadSuites: readonly AeadSuiteName[] = Object.freeze(native.aeadSuiteNames() as AeadSuiteName[]);
