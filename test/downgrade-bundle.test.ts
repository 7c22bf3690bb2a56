/**
 * Downgrade matrix, protocol v2: the capabilities a session starts from travel inside
 * signed or authenticated messages — the responder's inside its prekey batch statement
 * (signed once by its identity, docs/protocol.md §3.1), the initiator's inside the initial
 * message (bound by the transcript signature, §4.1). Table 3: every attacker action on the
 * bundle's capabilities (and on which prekeys it carries) × policy is refused by the
 * initiator, which then pins and stores nothing. Table 4: the same actions on the initial
 * message's capabilities are refused by the responder, which consumes no prekey: the
 * genuine message still opens afterwards. (Tables 1 and 2, downgrade-matrix.test.ts, cover
 * the capability exchange itself.)
 */
import { describe, expect, it } from 'vitest';
import {
  acceptSession,
  createIdentity,
  createPrekeyBundle,
  initiateSession,
  InMemoryIdentityStore,
  InMemoryPrekeyStore,
  InMemorySessionStore,
  PqwireError,
  type Identity,
  type PolicyName,
} from '../ts/src/index';
import { VERSION } from '../ts/src/wire';
import { CAPS, CODE, appendField, dropField, filterCodes, replaceCode, reverseCodes, setField, u32, u8, fields } from './wire-bytes';

const MODES: readonly PolicyName[] = ['pq-required', 'pq-preferred', 'classical-allowed'];
const BUNDLE = { batch: 0x0002, kemPrekey: 0x0004, kemPrekeyProof: 0x0005 } as const;
const BATCH = { capabilities: 0x0001, kemSuite: 0x0005 } as const;
const INITIAL = { capabilities: 0x0001 } as const;
/** Every code an altered message may be refused with (the refusal, not the code, is the rule). */
const REFUSALS = ['AUTH_FAILED', 'TRANSCRIPT_MISMATCH', 'PQ_REQUIRED', 'NO_COMMON_SUITE', 'NO_COMMON_VERSION', 'VERSION_ROLLBACK', 'MISSING_FIELD', 'UNSUPPORTED_VERSION', 'UNKNOWN_TAG', 'INVALID_FIELD'];

type Attack = (caps: Uint8Array) => Uint8Array;

/** Attacker actions on an encoded capabilities message (as in table 1). */
const ACTIONS: readonly (readonly [string, Attack])[] = [
  ['strip all PQ key-exchange suites', (b) => filterCodes(b, CAPS.kexSuites, (c) => c === CODE.X25519)],
  ['strip all PQ signature suites', (b) => filterCodes(b, CAPS.sigSuites, (c) => c === CODE.Ed25519)],
  ['strip everything but X25519 / Ed25519', (b) => filterCodes(filterCodes(b, CAPS.kexSuites, (c) => c === CODE.X25519), CAPS.sigSuites, (c) => c === CODE.Ed25519)],
  ['reorder: classical first', (b) => reverseCodes(reverseCodes(b, CAPS.kexSuites), CAPS.sigSuites)],
  ["replace X-Wing's code by an unknown one", (b) => replaceCode(b, CAPS.kexSuites, CODE['X25519+ML-KEM-768'], 0x647f)],
  ['lower the version', (b) => setField(b, CAPS.versions, u8(VERSION - 1))],
  ['add a future version', (b) => setField(b, CAPS.versions, u8(VERSION + 1, VERSION))],
  ['clear every feature bit', (b) => setField(b, CAPS.features, u32(0))],
  ['inject an extension field', (b) => appendField(b, 0xf000, u8(0x41))],
  ['delete a required field (kexSuites)', (b) => dropField(b, CAPS.kexSuites)],
];

/** The value of field `tag` of an encoded message. */
const valueOf = (msg: Uint8Array, tag: number): Uint8Array => {
  const f = fields(msg).find((x) => x.tag === tag);
  if (f === undefined) throw new Error(`no field 0x${tag.toString(16)}`);
  return f.value;
};

/** `bundle` with the capabilities inside its batch statement replaced by `attack(caps)`. */
const attackBundle = (bundle: Uint8Array, attack: Attack): Uint8Array => {
  const batch = valueOf(bundle, BUNDLE.batch);
  const caps = valueOf(batch, BATCH.capabilities);
  return setField(bundle, BUNDLE.batch, setField(batch, BATCH.capabilities, attack(caps)));
};

interface Bob {
  identity: Identity;
  prekeyStore: InMemoryPrekeyStore;
  bundle: Uint8Array;
}

const makeBob = async (): Promise<Bob> => {
  const identity = createIdentity();
  const prekeyStore = new InMemoryPrekeyStore();
  return { identity, prekeyStore, bundle: await createPrekeyBundle(identity, { prekeyStore }) };
};

const ALICE = createIdentity();

/** Alice initiates from `bundle` under `policy`: the session, or the refusal. */
const initiate = async (bundle: Uint8Array, policy: PolicyName) => {
  const identityStore = new InMemoryIdentityStore();
  const sessionStore = new InMemorySessionStore();
  try {
    const r = await initiateSession(bundle, { identity: ALICE, address: 'bob', identityStore, sessionStore, policy, plaintext: u8(1, 2, 3) });
    return { result: r, identityStore, sessionStore };
  } catch (e) {
    return { error: e, identityStore, sessionStore };
  }
};

describe('table 3: attacker actions on the bundle × policy (initiator side)', () => {
  it('the genuine bundle opens a session under every policy (the control)', async () => {
    const bob = await makeBob();
    for (const mode of MODES) {
      const r = await initiate(bob.bundle, mode);
      expect(r.error, mode).toBeUndefined();
      r.result!.session.dispose();
    }
  });

  for (const [action, attack] of ACTIONS) {
    it(`${action}: refused under every policy, nothing pinned or stored`, async () => {
      const bob = await makeBob();
      const altered = attackBundle(bob.bundle, attack);
      expect(altered).not.toStrictEqual(bob.bundle);
      for (const mode of MODES) {
        const r = await initiate(altered, mode);
        expect(r.error, `${action} × ${mode}`).toBeInstanceOf(PqwireError);
        // The negotiation refuses what it can see, else the statement no longer matches its
        // signature (or no longer decodes): never a session from altered capabilities.
        expect(REFUSALS).toContain((r.error as PqwireError).code);
        expect(await r.identityStore.getPeerIdentity('bob')).toBeUndefined();
        expect(await r.sessionStore.load('bob')).toBeUndefined();
      }
    });
  }

  it('the KEM prekey stripped from the bundle: PQ_REQUIRED under every policy (the statement says it had one)', async () => {
    const bob = await makeBob();
    const stripped = dropField(dropField(bob.bundle, BUNDLE.kemPrekey), BUNDLE.kemPrekeyProof);
    for (const mode of MODES) {
      const r = await initiate(stripped, mode);
      expect((r.error as PqwireError).code, mode).toBe('PQ_REQUIRED');
      expect(await r.identityStore.getPeerIdentity('bob')).toBeUndefined();
    }
  });

  it("the statement's kemSuite removed as well: refused under every policy (a statement counting KEM prekeys without a suite)", async () => {
    const bob = await makeBob();
    const batch = dropField(valueOf(bob.bundle, BUNDLE.batch), BATCH.kemSuite);
    const stripped = setField(dropField(dropField(bob.bundle, BUNDLE.kemPrekey), BUNDLE.kemPrekeyProof), BUNDLE.batch, batch);
    for (const mode of MODES) {
      const r = await initiate(stripped, mode);
      expect(['INVALID_FIELD', 'AUTH_FAILED'], mode).toContain((r.error as PqwireError).code);
    }
  });
});

describe("table 4: attacker actions on the initial message's capabilities × policy (responder side)", () => {
  for (const [action, attack] of ACTIONS) {
    it(`${action}: refused under every policy; the genuine message still opens`, async () => {
      for (const mode of MODES) {
        const bob = await makeBob();
        const r = await initiate(bob.bundle, mode);
        const genuine = r.result!.initialMessage;
        r.result!.session.dispose();
        const altered = setField(genuine, INITIAL.capabilities, attack(valueOf(genuine, INITIAL.capabilities)));
        expect(altered).not.toStrictEqual(genuine);
        const refusal = await acceptSession(altered, { identity: bob.identity, prekeyStore: bob.prekeyStore, policy: mode }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(refusal, `${action} × ${mode}`).toBeInstanceOf(PqwireError);
        expect(REFUSALS).toContain((refusal as PqwireError).code);
        // Nothing was consumed: the genuine message opens.
        const opened = await acceptSession(genuine, { identity: bob.identity, prekeyStore: bob.prekeyStore, policy: mode });
        expect(Array.from(opened.plaintext)).toStrictEqual([1, 2, 3]);
        opened.session.dispose();
      }
    });
  }
});
