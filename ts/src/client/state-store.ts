/**
 * What a {@link Client} keeps besides identities, prekeys and sessions: its sealing keys,
 * the pinned server identity, initial messages not yet handed to the server. A small
 * key-value interface, so that any database can hold it; `pqwire/stores/sqlite` has one
 * on SQLite, and {@link InMemoryStateStore} is here for tests.
 *
 * @example
 * ```ts
 * const state = new InMemoryStateStore();
 * await state.put('x', new Uint8Array([1]));
 * ```
 */

/** Named byte records. Some hold secrets (the sealing key seeds): keep it like a keychain. */
export interface StateStore {
  get(name: string): Promise<Uint8Array | undefined>;
  put(name: string, value: Uint8Array): Promise<void>;
  delete(name: string): Promise<void>;
}

/** In-memory {@link StateStore}. */
export class InMemoryStateStore implements StateStore {
  readonly #values = new Map<string, Uint8Array>();
  async get(name: string): Promise<Uint8Array | undefined> {
    const v = this.#values.get(name);
    return v && Uint8Array.from(v);
  }
  async put(name: string, value: Uint8Array): Promise<void> {
    this.#values.set(name, Uint8Array.from(value));
  }
  async delete(name: string): Promise<void> {
    this.#values.delete(name);
  }
}
