/**
 * The two handshakes that open a {@link Session} (docs/protocol.md §4): the initiator
 * turns the peer's prekey bundle into a session and an initial message
 * ({@link initiateSession}); the responder turns that message into its session
 * ({@link acceptSession}). Both run the cryptography where `thread` says (a lone
 * handshake inline, concurrent ones on the thread pool: {@link HandshakeOptions.thread}),
 * check the peer's identity against the pinned one and the session store before anything is
 * consumed or stored, and report refusals as security events.
 *
 * @example
 * ```ts
 * import { createIdentity, createPrekeyBundle, initiateSession, acceptSession, InMemoryPrekeyStore } from 'pqwire';
 * const alice = createIdentity(), bob = createIdentity();
 * const prekeyStore = new InMemoryPrekeyStore();
 * const bundle = await createPrekeyBundle(bob, { prekeyStore });
 * const { session: a, initialMessage } = await initiateSession(bundle, { identity: alice });
 * const { session: b } = await acceptSession(initialMessage, { identity: bob, prekeyStore });
 * ```
 */
import native from './native';
import { call, callAsync, fromNative, makeError, PqwireError, WireFormatError } from './errors';
import { bytes, optionalBytes } from './bytes';
import { toHex } from './hex';
import { checkPrekeyStore, identityChanged } from './stores';
import type { StoredPrekey, StoredSession } from './stores';
import { initialMessagePrekeyIds } from './wire';
import { Session } from './session';
import type { Placement } from './session';
import { PublicIdentity } from './identity';
import { report } from './session-events';
import type { SessionSecurityEventListener } from './session-events';
import { ACCEPT_KEYS, checkHandshake, INITIATE_KEYS } from './session-options';
import type { AcceptOptions, HandshakeOptions, HandshakeThread, InitiateOptions } from './session-options';

const EMPTY = new Uint8Array(0);

type NativeSession = ReturnType<typeof native.NativeSession.deserialize>;

/** Handshakes of this process between their start and their end (for `thread: 'auto'`). */
let handshakesInFlight = 0;

/**
 * The handshake's native step, where `thread` says ({@link HandshakeOptions.thread}):
 * `inline` synchronously, `pool` on the thread pool, `auto` inline when this handshake is
 * the only one in flight.
 */
async function runNative(thread: HandshakeThread, inline: () => NativeSession, pooled: () => Promise<NativeSession>): Promise<NativeSession> {
  if (thread === 'inline' || (thread === 'auto' && handshakesInFlight === 1)) {
    handshakePlaces.inline += 1;
    return call(inline);
  }
  handshakePlaces.pool += 1;
  return callAsync(pooled);
}

/** @internal How many handshakes ran where (the tests of `thread` read it). */
export const handshakePlaces = { inline: 0, pool: 0 };

/** Runs one handshake, counted in {@link handshakesInFlight} until it settles. */
async function counted<T>(handshake: () => Promise<T>): Promise<T> {
  handshakesInFlight += 1;
  try {
    return await handshake();
  } finally {
    handshakesInFlight -= 1;
  }
}

function handshakeRefused(
  error: PqwireError,
  listeners: (SessionSecurityEventListener | undefined)[],
  address: string | undefined,
  authenticated: boolean,
): PqwireError {
  const downgrade = ['NO_COMMON_SUITE', 'NO_COMMON_VERSION', 'PQ_REQUIRED', 'VERSION_ROLLBACK', 'TRANSCRIPT_MISMATCH'];
  if (downgrade.includes(error.code)) {
    report(listeners, { type: 'handshake-refused', code: error.code, message: error.message, address, authenticated: false });
  } else if (error.code === 'IDENTITY_CHANGED') {
    report(listeners, { type: 'identity-changed', code: error.code, message: error.message, address, authenticated: true });
  } else if (error.code === 'PREKEY_REUSED' || error.code === 'REPLAYED') {
    // A consumed key id is public: refused before the message authenticated, a forger can provoke it.
    report(listeners, { type: 'replay-refused', code: error.code, message: error.message, address, authenticated });
  } else if (error.code === 'AUTH_FAILED' || error instanceof WireFormatError) {
    // A forged or altered bundle or initial message: nothing authenticated it.
    report(listeners, { type: 'tampered-message', code: error.code, message: error.message, address, authenticated: false });
  }
  return error;
}

/**
 * Whether the new session replaces a different one stored for the address. The same
 * session stored already means the initial message was accepted before (`REPLAYED`); a
 * different one is replaced only with `replaceSession` (else `SESSION_EXISTS`). Checked
 * before anything is consumed, pinned or stored.
 */
async function storedSession(session: Session, options: HandshakeOptions): Promise<StoredSession | undefined> {
  const stored = options.sessionStore && (await options.sessionStore.load(options.address!));
  if (stored?.sessionId === session.id) throw makeError('REPLAYED', 'this session is stored already: the initial message was accepted before');
  return stored;
}

/**
 * Where the new session goes in the store (docs/protocol.md §7). Nothing stored: it is
 * the address's session. A different session stored: for a responder whose stored
 * session is one it initiated and never heard back in, both parties initiated at once,
 * and both keep the session with the smaller id as current and the other as a previous
 * one (superseded); otherwise the new session replaces the stored one, which becomes a
 * previous session, only with `replaceSession` (else `SESSION_EXISTS`).
 */
function placement(stored: StoredSession | undefined, session: Session, options: HandshakeOptions, accepting: boolean): Placement | undefined {
  if (stored === undefined) return undefined;
  if (accepting && simultaneous(stored)) {
    return session.id < stored.sessionId ? { replace: true, supersede: true } : { as: 'previous' };
  }
  if (options.replaceSession !== true) {
    throw makeError('SESSION_EXISTS', `a different session is stored for ${JSON.stringify(options.address)}; pass replaceSession: true to replace it`);
  }
  return { replace: true };
}

/** Whether the stored session is one we initiated and no message of the peer confirmed. */
function simultaneous(stored: StoredSession): boolean {
  let handle: ReturnType<typeof native.NativeSession.deserialize> | undefined;
  try {
    handle = native.NativeSession.deserialize(stored.record, undefined);
    return handle.facts.role === 'initiator' && !handle.peerConfirmed;
  } catch {
    return false;
  } finally {
    handle?.dispose();
  }
}

/** Saves and attaches the new session when a store was given; reports a replacement. */
async function store(session: Session, options: HandshakeOptions, place: Placement | undefined): Promise<void> {
  if (options.sessionStore === undefined) return;
  await Session.attachNew(session, options.sessionStore, options.address!, place ?? {});
  if (place?.replace === true && place.supersede !== true) {
    report([options.onSecurityEvent, (e) => session.emit('security', e)], {
      type: 'session-replaced',
      message: 'a new handshake replaced the session stored for this peer',
      address: options.address,
      sessionId: session.id,
      authenticated: true,
    });
  }
}

/**
 * Checks the peer's identity against the pinned one (`IdentityChangedError`) without
 * storing anything; returns the function that pins it on first use, called once every
 * other check passed.
 */
async function checkPin(peer: PublicIdentity, options: HandshakeOptions): Promise<() => Promise<void>> {
  const store = options.identityStore;
  const address = options.address;
  if (!store || address === undefined) return async () => undefined;
  const pinned = await store.getPeerIdentity(address);
  if (pinned !== undefined && !pinned.equals(peer)) throw identityChanged(address, pinned, peer);
  return pinned === undefined ? () => store.savePeerIdentity(address, peer) : async () => undefined;
}

/** What the native opening says about the new session's security. */
interface OpeningFlags {
  postQuantum: boolean;
  hybridAuth: boolean;
}

/** Reports a session established without an ML-KEM prekey or with a classical initiator. */
function reportClassical(session: Session, { postQuantum, hybridAuth }: OpeningFlags, options: HandshakeOptions): void {
  if (postQuantum && hybridAuth) return;
  const message = !postQuantum
    ? 'session established without an ML-KEM prekey: its first keys rest on X25519 alone'
    : "the initiator's identity is classical: its authentication rests on Ed25519 alone";
  report([options.onSecurityEvent, (e) => session.emit('security', e)], {
    type: 'classical-session',
    message,
    address: options.address,
    sessionId: session.id,
    authenticated: true,
  });
}

/** What {@link initiateSession} gives. */
export interface InitiatedSession {
  session: Session;
  /** The initial message (wire type `0x11`) to send to the peer. */
  initialMessage: Uint8Array;
  /** The responder's verified identity (the session keeps its fingerprint only). */
  peer: PublicIdentity;
}

/**
 * Starts a session from the peer's encoded prekey bundle (the cryptography where
 * `options.thread` says). Verifies both halves of every signature in the bundle, negotiates (a bundle without
 * an ML-KEM prekey is `PQ_REQUIRED` under the default policy, and under any policy when
 * both parties offer ML-KEM), pins the peer's identity when an identity store is given
 * (`IdentityChangedError` when it changed), and saves and attaches the session when a
 * session store is given (a different session stored for the address is replaced only
 * with `replaceSession: true`, else `SessionExistsError`).
 */
export async function initiateSession(bundle: Uint8Array, options: InitiateOptions): Promise<InitiatedSession> {
  return counted(async () => {
    const h = checkHandshake('initiateSession', options, INITIATE_KEYS);
    const pt = optionalBytes('plaintext', options.plaintext) ?? EMPTY;
    const ad = optionalBytes('associatedData', options.associatedData) ?? EMPTY;
    const listeners = [options.onSecurityEvent];
    let session: Session | undefined;
    try {
      const b = bytes('bundle', bundle);
      const handle = await runNative(
        h.thread,
        () => native.NativeSession.initiate(h.identity.native, h.capabilities, b, pt, ad, h.native, h.now),
        () => native.NativeSession.initiateAsync(h.identity.native, h.capabilities, b, pt, ad, h.native, h.now),
      );
      const opening = call(() => handle.takeOpening())!;
      session = new Session(handle, options.address, options.onSecurityEvent);
      const peer = new PublicIdentity(opening.peer);
      const pin = await checkPin(peer, options);
      const place = placement(await storedSession(session, options), session, options, false);
      await store(session, options, place);
      await pin();
      reportClassical(session, opening, options);
      return { session, initialMessage: opening.initialMessage!, peer };
    } catch (e) {
      session?.dispose();
      throw handshakeRefused(fromNative(e), listeners, options.address, session !== undefined);
    }
  });
}

/** What {@link acceptSession} gives. */
export interface AcceptedSession {
  session: Session;
  /** The first message. */
  plaintext: Uint8Array;
  associatedData: Uint8Array;
  /** The initiator's verified identity (the session keeps its fingerprint only). */
  peer: PublicIdentity;
}

/**
 * Accepts an initial message (the cryptography where `options.thread` says): looks up
 * the prekeys it names in the prekey store, verifies the initiator (identity and its
 * hybrid transcript signature, which is mandatory), checks the session store (the same
 * session stored is a replay, `REPLAYED`; a different one is replaced only with
 * `replaceSession: true`, else `SessionExistsError`), pins its identity when an identity
 * store is given, and only then consumes the one-time prekeys — atomically, so a replayed or racing initial
 * message is refused with `PREKEY_REUSED` — or, when none was used, enters the handshake
 * into the prekey store's replay cache (a replay is `REPLAYED`). Any failure consumes,
 * pins and stores nothing, and wipes the new session.
 */
export async function acceptSession(initialMessage: Uint8Array, options: AcceptOptions): Promise<AcceptedSession> {
  return counted(async () => {
    const h = checkHandshake('acceptSession', options, ACCEPT_KEYS);
    const prekeys = checkPrekeyStore(options.prekeyStore, 'acceptSession');
    const listeners = [options.onSecurityEvent];
    let session: Session | undefined;
    try {
      const records: Uint8Array[] = [];
      for (const id of initialMessagePrekeyIds(initialMessage)) {
        const hex = toHex(id);
        const found: StoredPrekey | undefined = await prekeys.load(hex);
        if (found) records.push(found.secret);
        else if (await prekeys.isConsumed(hex)) throw makeError('PREKEY_REUSED', 'one-time prekey was already used');
      }
      const handle = await runNative(
        h.thread,
        () => native.NativeSession.accept(h.identity.native, h.capabilities, records, initialMessage, h.native, h.now),
        () => native.NativeSession.acceptAsync(h.identity.native, h.capabilities, records, initialMessage, h.native, h.now),
      );
      const opening = call(() => handle.takeOpening())!;
      session = new Session(handle, options.address, options.onSecurityEvent);
      // Read-only checks first: a replay of a stored session, the pin, a different session.
      const peer = new PublicIdentity(opening.peer);
      const stored = await storedSession(session, options);
      const pin = await checkPin(peer, options);
      const place = placement(stored, session, options, true);
      // Then the one irreversible step: from here a failure loses this handshake (its
      // one-time prekeys are gone), which is what keeps a key from ever opening twice.
      const oneTime = opening.oneTimePrekeys.map(toHex);
      if (oneTime.length > 0 && !(await prekeys.consume(oneTime))) {
        throw makeError('PREKEY_REUSED', 'one-time prekey was already used');
      }
      // Without a one-time prekey nothing was consumed: the replay cache refuses a second
      // acceptance of the same handshake for as long as its prekeys would open it.
      if (opening.replayUntil != null && !(await prekeys.rememberHandshake(session.id, opening.replayUntil))) {
        throw makeError('REPLAYED', 'this initial message was accepted before (replay)');
      }
      await prekeys.countUse(opening.rotatedPrekeys.map(toHex));
      await store(session, options, place);
      await pin();
      reportClassical(session, opening, options);
      return { session, plaintext: opening.plaintext!, associatedData: opening.associatedData!, peer };
    } catch (e) {
      session?.dispose();
      throw handshakeRefused(fromNative(e), listeners, options.address, session !== undefined);
    }
  });
}
