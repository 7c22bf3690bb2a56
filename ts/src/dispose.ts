/**
 * `Symbol.dispose`, under which the objects holding native secrets offer `dispose()`, so
 * that `using` wipes them at the end of a block. Node defines it from 20.4 on, as
 * `Symbol.for('nodejs.dispose')`; on older Node the same symbol is used here, so the
 * method is never keyed `"undefined"`.
 *
 * @example
 * ```ts
 * import { mlKem768 } from 'pqwire';
 * {
 *   using kp = mlKem768.generateKeyPair();
 *   kp.decapsulate(cipherText);
 * } // kp.dispose() ran here: the secret key is wiped
 * ```
 * @internal
 */
export const DISPOSE: typeof Symbol.dispose = (Symbol.dispose ?? Symbol.for('nodejs.dispose')) as typeof Symbol.dispose;
