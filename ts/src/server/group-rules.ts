/**
 * The delivery service's rules for a group write (docs/groups.md, "Delivery service"),
 * apart from any database: each store reads the facts inside its transaction, asks these
 * functions what to do, and does it. One group, one order: a commit is accepted only for
 * the group's current epoch (the first of two concurrent commits wins, the other is
 * `stale`), from a member that has read the whole log, and so is an application message or
 * proposal, so that every member reads each message in the epoch it was sent in.
 *
 * @example
 * ```ts
 * decidePost({ group: { epoch: 3, lastSeq: 10 }, sender: { joinedSeq: 1, removedSeq: null } }, 2);
 * // { result: 'stale', epoch: 3 }
 * ```
 */
import type { GroupWrite } from './store';

/** A device's membership of a group: the log entry that added it, and the one that removed it. */
export interface Membership {
  joinedSeq: number;
  removedSeq: number | null;
}

/** The group's row: its epoch and the sequence number of its last log entry. */
export interface GroupRow {
  epoch: number;
  lastSeq: number;
}

/** Whether `m` is a current member. */
export const isMember = (m: Membership | undefined): m is Membership => m !== undefined && m.removedSeq === null;

/** What a commit needs checked: the group, the sender, and each device it adds or removes. */
export interface CommitFacts {
  group: GroupRow | undefined;
  sender: Membership | undefined;
  add: { registered: boolean; membership: Membership | undefined }[];
  remove: (Membership | undefined)[];
}

/**
 * The verdict on a commit made in `epoch` by a member that has read the log up to `seen`:
 * on acceptance, its sequence number and the new epoch. A committer must have read every
 * entry: a message of the ending epoch it had not read would be lost to it.
 */
export function decideCommit(f: CommitFacts, epoch: number, seen: number): GroupWrite {
  const base = decidePost(f, epoch);
  if (base.result !== 'accepted') return base;
  if (seen !== f.group!.lastSeq) return { result: 'stale', epoch: f.group!.epoch };
  if (f.add.some((a) => !a.registered)) return { result: 'unknown-device' };
  if (f.add.some((a) => isMember(a.membership))) return { result: 'already-member' };
  if (f.remove.some((r) => !isMember(r))) return { result: 'not-a-member-to-remove' };
  return { result: 'accepted', seq: base.seq, epoch: epoch + 1 };
}

/** The verdict on an application message or proposal sent in `epoch`. */
export function decidePost(f: { group: GroupRow | undefined; sender: Membership | undefined }, epoch: number): GroupWrite {
  if (f.group === undefined) return { result: 'unknown' };
  if (!isMember(f.sender)) return { result: 'not-member' };
  if (epoch !== f.group.epoch) return { result: 'stale', epoch: f.group.epoch };
  return { result: 'accepted', seq: f.group.lastSeq + 1, epoch: f.group.epoch };
}

/** The log window a device may read: after the entry that added it, up to the one that removed it. */
export function readable(m: Membership): { after: number; upTo: number } {
  return { after: m.joinedSeq, upTo: m.removedSeq ?? Number.MAX_SAFE_INTEGER };
}
