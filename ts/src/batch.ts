/**
 * Checks shared by the batch operations (`Kem.encapsulateBatch`, `Signature.verifyBatch`,
 * …): the list itself, its size, and each item, all before any work starts.
 * @internal
 */
import { describe } from './bytes';
import { makeError } from './errors';
import { publicOutput } from './output';

/**
 * The most items one batch operation takes (`Kem.encapsulateBatch`,
 * `Kem.decapsulateBatch`, `KemKeyPair.decapsulateBatch`, `Signature.signBatch`,
 * `SigKeyPair.signBatch`, `Signature.verifyBatch`): 65,536. A longer list is refused
 * with `InvalidArgumentError` (`INVALID_ARGUMENT`) before any work; split it instead.
 *
 * @example
 * ```ts
 * import { MAX_BATCH_ITEMS, mlKem768 } from 'pqwire';
 * for (let i = 0; i < cipherTexts.length; i += MAX_BATCH_ITEMS) {
 *   secrets.push(...(await mlKem768.decapsulateBatch(cipherTexts.slice(i, i + MAX_BATCH_ITEMS), secretKey)));
 * }
 * ```
 */
export const MAX_BATCH_ITEMS = 65_536;

/**
 * `items` checked as a batch named `name`: an array (`INVALID_TYPE` otherwise) of at most
 * {@link MAX_BATCH_ITEMS} items (`INVALID_ARGUMENT`), each passed through `check` with its
 * name (`name[i]`), whose typed error then names the item.
 */
export function batchItems<T>(name: string, items: unknown, check: (item: unknown, itemName: string) => T): T[] {
  if (!Array.isArray(items)) {
    throw makeError('INVALID_TYPE', `${name} must be an array, got ${describe(items)}`);
  }
  if (items.length > MAX_BATCH_ITEMS) {
    throw makeError('INVALID_ARGUMENT', `${name}: a batch holds at most ${MAX_BATCH_ITEMS} items, got ${items.length}`);
  }
  const out = new Array<T>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = check(items[i], `${name}[${i}]`);
  return out;
}

/**
 * Cuts `flat`, the `count` results of a batch end to end (the addon returns them so: one
 * typed array made in native code per item would cost more than many operations), into
 * one array per item. Public results (ciphertexts, signatures) are placed as the single
 * operations place theirs (output.ts); secret ones (shared secrets) each get a buffer of
 * their own, and `flat` is wiped.
 */
export function cutResults(flat: Uint8Array, count: number, secret: boolean): Uint8Array[] {
  const out = new Array<Uint8Array>(count);
  if (count === 0) return out;
  const size = flat.length / count;
  for (let i = 0, at = 0; i < count; i++, at += size) {
    if (secret) {
      out[i] = flat.slice(at, at + size);
    } else {
      const r = publicOutput(size);
      r.set(flat.subarray(at, at + size));
      out[i] = r;
    }
  }
  if (secret) flat.fill(0);
  return out;
}
