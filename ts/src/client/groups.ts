/**
 * A device's MLS groups through the reference server's delivery service (docs/groups.md,
 * "Delivery service"): `Client.groups()` gives one, for the device's {@link GroupMember},
 * whose credential is bound to the device's identity and names it `account/device` (see
 * {@link deviceName}), which is how the others remove it.
 *
 * Commits race: the server takes one per epoch. When it refuses ours (`STALE_EPOCH`), the
 * member drops its pending commit, reads the group's log up to the winner, and makes its
 * change again on top; so does an application message sent in an epoch that just ended.
 *
 * @example
 * ```ts
 * const groups = await alice.groups({ suite: 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519', store: new InMemoryGroupStore() });
 * await groups.publishKeyPackages();
 * const group = await groups.create();
 * await groups.add(group, [{ account: 'bob', device: 1 }]);
 * await groups.send(group, utf8('hello'));
 * // on Bob's side: await bobGroups.acceptWelcomes(); await bobGroups.sync(group)
 * ```
 */
import type { GroupMember, GroupMessage } from '../groups';
import { PqwireError } from '../errors';
import { toHex as hex } from '../hex';
import { ClientError } from './errors';
import type { DeviceName } from './server-api';

/** What the group routes need of the client: JSON requests with a fresh token. @internal */
export interface GroupApi {
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
  readonly me: DeviceName;
}

/** How many times a change is made again after losing its epoch to another commit. */
export const GROUP_RETRIES = 5;

/** The credential name of a device's group member: `account/device`, UTF-8. */
export function deviceName(d: DeviceName): Uint8Array {
  return new TextEncoder().encode(`${d.account}/${d.device}`);
}

/** A group message read from the server's log, with where it came from. */
export type ReceivedGroupMessage = GroupMessage & {
  /** Its position in the group's log. */
  seq: number;
  /** The sending device, `account/device`. */
  from: string;
};

const base64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** Whether `e` is the server's refusal `code`. */
const refused = (e: unknown, code: string): boolean => e instanceof ClientError && e.details.serverCode === code;

/** Whether the server answered `e` with a 4xx: it then stored nothing of the request. */
const definitelyRefused = (e: unknown): boolean => e instanceof ClientError && (e.details.status ?? 0) >= 400 && (e.details.status ?? 0) < 500;

/**
 * Whether the member refused a message for what the message is (malformed, of another
 * epoch, a replay, unbound...), not because its store failed: such an entry is skipped for
 * good; after a store failure the entry is read again next time.
 */
const refusedForItself = (e: unknown): boolean => e instanceof PqwireError && e.code !== 'GROUP_CONFLICT' && e.code !== 'GROUP_INTERNAL';

/** A log entry as the server sends it. */
interface LogEntry {
  seq: number;
  epoch: number;
  kind: 'commit' | 'application';
  sender: string;
  message: string;
}

/** One device's groups on the server. */
export class ClientGroups {
  /** The log position read up to, per group (hex id). */
  readonly #cursors = new Map<string, number>();

  /** @internal */
  constructor(
    readonly member: GroupMember,
    readonly api: GroupApi,
  ) {}

  /**
   * Publishes `count` one-time key packages and a last-resort one, in place of the ones
   * published before. Resolves the counts the server holds.
   */
  async publishKeyPackages(count = 20): Promise<Record<string, { oneTime: number; lastResort: boolean }>> {
    const keyPackages: string[] = [];
    for (let i = 0; i < count; i++) keyPackages.push(base64(await this.member.keyPackage()));
    const lastResort = base64(await this.member.keyPackage({ lastResort: true }));
    return (await this.api.json<{ suites: Record<string, { oneTime: number; lastResort: boolean }> }>('PUT', '/v1/groups/key-packages', { keyPackages, lastResort })).suites;
  }

  /** A new group with this device alone in it, registered with the server; its id. */
  async create(): Promise<Uint8Array> {
    const group = await this.member.createGroup();
    await this.api.json('POST', '/v1/groups', { group: hex(group) });
    this.#cursors.set(hex(group), 0);
    return group;
  }

  /** Adds these devices: claims a key package of each, commits, and delivers the welcome. */
  async add(group: Uint8Array, devices: DeviceName[]): Promise<void> {
    const packages: Uint8Array[] = [];
    for (const d of devices) {
      const claimed = await this.api.json<{ keyPackage: string }>('POST', `/v1/groups/key-packages/${encodeURIComponent(d.account)}/${d.device}`, { suite: this.member.suite });
      packages.push(fromBase64(claimed.keyPackage));
    }
    await this.#commit(group, () => this.member.addMembers(group, packages), { add: devices });
  }

  /** Removes these devices (every member whose credential names one of them). */
  async remove(group: Uint8Array, devices: DeviceName[]): Promise<void> {
    await this.#commit(group, () => this.member.removeMembers(group, devices.map(deviceName)), { remove: devices });
  }

  /**
   * Brings back devices that lost their group state (docs/groups.md, "Recovery"): removes
   * their old members and adds them again from fresh key packages, in two commits. Each
   * then joins from its welcome ({@link acceptWelcomes}) and reads on from there.
   */
  async readd(group: Uint8Array, devices: DeviceName[]): Promise<void> {
    await this.remove(group, devices);
    await this.add(group, devices);
  }

  /** Refreshes this device's keys in the group (post-compromise security). */
  async update(group: Uint8Array): Promise<void> {
    await this.#commit(group, () => this.member.selfUpdate(group), {});
  }

  /** Sends an application message to the group; resolves its position in the log. */
  async send(group: Uint8Array, plaintext: Uint8Array, options: { aad?: Uint8Array } = {}): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const sealed = await this.member.encrypt(group, plaintext, options);
      try {
        return (await this.api.json<{ seq: number }>('POST', `/v1/groups/${hex(group)}/messages`, { message: base64(sealed) })).seq;
      } catch (e) {
        if (!refused(e, 'STALE_EPOCH') || attempt >= GROUP_RETRIES) throw e;
        await this.sync(group);
      }
    }
  }

  /**
   * Reads the group's log since the last read and processes each entry: returns what they
   * were, oldest first. This device's own entries are skipped (MLS does not let a member
   * read its own messages; its commits were applied when the server took them, or are
   * applied here if the answer was lost). An entry the member refuses for what it is
   * (malformed, stale, a replay) is skipped, with the refusal in `errors`; when the
   * member's store fails, `sync` throws and reads that entry again next time.
   */
  async sync(group: Uint8Array): Promise<{ received: ReceivedGroupMessage[]; errors: { seq: number; error: unknown }[] }> {
    const id = hex(group);
    const me = `${this.api.me.account}/${this.api.me.device}`;
    const received: ReceivedGroupMessage[] = [];
    const errors: { seq: number; error: unknown }[] = [];
    for (;;) {
      const messages = await this.#log(group, this.#cursors.get(id) ?? 0);
      if (messages.length === 0) return { received, errors };
      for (const m of messages) {
        if (m.sender === me) {
          if (m.kind === 'commit' && m.epoch === this.member.epoch(group)) await this.#confirmIfPending(group);
        } else {
          try {
            received.push({ ...(await this.member.process(group, fromBase64(m.message))), seq: m.seq, from: m.sender });
          } catch (error) {
            if (!refusedForItself(error)) throw error;
            errors.push({ seq: m.seq, error });
          }
        }
        this.#cursors.set(id, m.seq);
      }
    }
  }

  /**
   * Joins every group whose welcome waits for this device, each with the ratchet tree
   * beside it. A welcome the member refuses (a garbage welcome, one for a key package
   * already used, a group already joined) is acknowledged too, and reported in `errors`, so
   * that it never blocks the others; a store failure throws, the welcome kept for next time.
   */
  async acceptWelcomes(): Promise<{ joined: Uint8Array[]; errors: { group: string; error: unknown }[] }> {
    const { welcomes } = await this.api.json<{ welcomes: { id: string; group: string; seq: number; welcome: string; ratchetTree?: string }[] }>('GET', '/v1/groups/welcomes');
    const joined: Uint8Array[] = [];
    const errors: { group: string; error: unknown }[] = [];
    const done: string[] = [];
    try {
      for (const w of welcomes) {
        try {
          const group = await this.member.join(fromBase64(w.welcome), w.ratchetTree === undefined ? undefined : fromBase64(w.ratchetTree));
          this.#cursors.set(w.group, w.seq);
          joined.push(group);
        } catch (error) {
          if (!refusedForItself(error)) throw error;
          errors.push({ group: w.group, error });
        }
        done.push(w.id);
      }
    } finally {
      if (done.length > 0) await this.api.json('POST', '/v1/groups/welcomes/ack', { ids: done });
    }
    return { joined, errors };
  }

  /** The log position this device has read `group` up to (persist it to resume there). */
  cursor(group: Uint8Array): number {
    return this.#cursors.get(hex(group)) ?? 0;
  }

  /** Resumes reading `group` after log position `seq` (a cursor saved earlier). */
  resume(group: Uint8Array, seq: number): void {
    this.#cursors.set(hex(group), seq);
  }

  /**
   * Reads the group's log to its end, makes a commit with `make` on top, hands it to the
   * server with the device changes, and applies it once taken. The server takes a commit
   * only from a member that has read the whole log (`seen`), so no message of the epoch
   * the commit ends is left unread. When another commit or message came first, the
   * pending commit is dropped and the change made again. When the answer is lost (the
   * server unreachable, a 5xx), the log says whether the commit was taken.
   */
  async #commit(group: Uint8Array, make: () => Promise<{ commit: Uint8Array; welcome?: Uint8Array; ratchetTree?: Uint8Array }>, devices: { add?: DeviceName[]; remove?: DeviceName[] }): Promise<void> {
    const me = `${this.api.me.account}/${this.api.me.device}`;
    for (let attempt = 0; ; attempt++) {
      await this.sync(group);
      // A commit still pending here was not taken (the log has no commit of ours for it).
      await this.#discardIfPending(group);
      const seen = this.cursor(group);
      const { commit, welcome, ratchetTree } = await make();
      try {
        await this.api.json('POST', `/v1/groups/${hex(group)}/commits`, {
          commit: base64(commit),
          seen,
          ...(welcome && devices.add && { welcome: base64(welcome) }),
          ...(ratchetTree && devices.add && { ratchetTree: base64(ratchetTree) }),
          ...(devices.add && { add: devices.add }),
          ...(devices.remove && { remove: devices.remove }),
        });
      } catch (e) {
        if (!definitelyRefused(e)) {
          const next = (await this.#log(group, seen))[0];
          if (next?.seq === seen + 1 && next.sender === me && next.kind === 'commit') {
            await this.member.confirmCommit(group);
            return;
          }
        }
        await this.member.discardCommit(group);
        if (!refused(e, 'STALE_EPOCH') || attempt >= GROUP_RETRIES) throw e;
        continue;
      }
      // Taken. If applying it fails (the store), it stays pending: the next sync applies it.
      await this.member.confirmCommit(group);
      return;
    }
  }

  /** The log entries of `group` after `after` this device may read (one page). */
  async #log(group: Uint8Array, after: number): Promise<LogEntry[]> {
    return (await this.api.json<{ messages: LogEntry[] }>('GET', `/v1/groups/${hex(group)}/messages?after=${after}`)).messages;
  }

  async #confirmIfPending(group: Uint8Array): Promise<void> {
    await this.member.confirmCommit(group).catch((e: unknown) => {
      if (!(e instanceof PqwireError && e.code === 'GROUP_NO_PENDING_COMMIT')) throw e;
    });
  }

  async #discardIfPending(group: Uint8Array): Promise<void> {
    await this.member.discardCommit(group).catch((e: unknown) => {
      if (!(e instanceof PqwireError && e.code === 'GROUP_NO_PENDING_COMMIT')) throw e;
    });
  }
}
