/** wire.inspect: a readable rendering of any bytes, valid or not, messages and records. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  InvalidTypeError,
  InMemoryPrekeyStore,
  capabilities,
  channel,
  createIdentity,
  createPrekeyBundle,
  initiateSession,
  wire,
} from '../ts/src/index';
import { VERSION } from '../ts/src/wire';
import { NOT_BYTES, bad, bytes, expectThrow, flip, hex } from './helpers';
import { TYPE, capsBytes, concat, field, header, u8 } from './wire-bytes';
import { T0, expectWire, kpBytes, envBytes } from './wire-expect';
import { ERRORS } from './wire-errors';

describe('inspect', () => {
  it('renders a valid capabilities message: header, field names, offsets, suite and feature names, "canonical"', () => {
    const text = wire.inspect(wire.encode(capabilities({ kexSuites: ['X25519+ML-KEM-768', 0x647f, 'X25519'], versions: [VERSION, VERSION + 1] })));
    expect(text).toMatch(/^pqwire message, \d+ bytes\n/);
    expect(text).toContain(`magic "PW", version ${VERSION}, type 0x01 (capabilities)`);
    for (const s of ['versions', 'kexSuites', 'sigSuites', 'aeadSuites', 'features', '@4 ', '@12 ', 'X25519+ML-KEM-768', '0x647F (unknown)', 'Ed25519+ML-DSA-65', 'ChaCha20-Poly1305', 'AES-256-GCM', 'hybrid-auth', 'channel-duplex', `[${VERSION}, ${VERSION + 1}]`]) {
      expect(text).toContain(s);
    }
    expect(text.trimEnd().split('\n').at(-1)).toBe('valid capabilities message, canonical');
  });

  it('renders a key package and an envelope with extensions', () => {
    const kpText = wire.inspect(kpBytes());
    for (const s of ['(key-package)', 'keyId', 'kemSuite', 'ML-KEM-768', 'publicKey', '1184 B', `${T0} (unix seconds)`, 'valid key-package message, canonical']) expect(kpText).toContain(s);
    const envText = wire.inspect(envBytes(u8(1), field(0xf00d, u8(0xab, 0xcd))));
    for (const s of ['(envelope)', 'contentType', '32769', 'payload', 'extension', '0xF00D', 'abcd', 'valid envelope message, canonical']) expect(envText).toContain(s);
  });

  it.each(ERRORS.filter((r) => r.expected === undefined).map((r) => [`${r.code}: ${r.name}`, r] as const))('names the rule and the offset: %s', (_label, row) => {
    const text = wire.inspect(row.bytes);
    expect(text).toContain(`error ${row.code}: at offset ${row.offset}`);
    expect(text).toContain(`decoding stopped at offset ${row.offset}; `);
    expect(text).not.toMatch(/^valid /m);
  });

  it('a message of an unexpected type is still a valid message to inspect', () => {
    expect(wire.inspect(envBytes())).toContain('valid envelope message, canonical');
  });

  it('never throws for any Uint8Array', () => {
    const inputs = [
      new Uint8Array(0),
      u8(0x50),
      u8(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
      Buffer.from('not a pqwire message at all'),
      concat(header(TYPE.capabilities), field(2, [1], 0xffffffff)),
      concat(header(TYPE.keyPackage), field(2, [0xff, 0xff, 0xff])),
      concat(header(TYPE.envelope), field(4, bytes(9))),
      concat(header(TYPE.capabilities), field(5, bytes(9, 0xff))),
      concat(header(TYPE.capabilities), ...Array.from({ length: 2000 }, (_, i) => field(0xf000 + i, []))),
      new Uint8Array((1 << 20) + 10),
      capsBytes().subarray(1),
    ];
    for (const b of inputs) {
      const text = wire.inspect(b);
      expect(text.startsWith(`pqwire message, ${b.length} bytes\n`)).toBe(true);
      expect(text).toMatch(/\n(valid [a-z-]+ message|error [A-Z_]+: )/);
    }
  });

  it('says what a record is — session state, identity, prekey secret, server key file — and shows none of its fields', async () => {
    const bob = createIdentity({ created: T0 });
    const prekeyStore = new InMemoryPrekeyStore();
    const bundle = await createPrekeyBundle(bob, { prekeyStore, now: T0 });
    const { session } = await initiateSession(bundle, { identity: createIdentity({ created: T0 }), now: T0 });
    const prekey = await prekeyStore.current('signed');
    const records: [string, Uint8Array][] = [
      ['session-state', session.serialize()],
      ['identity-secret', bob.export()],
      ['prekey-secret', prekey!.secret],
      ['channel-server-key', channel.generateKey().toFile()],
    ];
    for (const [name, record] of records) {
      const text = wire.inspect(record);
      expect(text).toBe(
        `pqwire record, ${record.length} bytes\n` +
          `  header    magic "PW", version ${VERSION}, type 0x${record[3]!.toString(16).toUpperCase()} (${name} record)\n` +
          '  fields    not shown: a record holds secret keys\n' +
          `${name} record, framing and checksum intact\n`,
      );
      expectWire(() => wire.decode(record), 'UNKNOWN_TYPE', { offset: 3 });
      // A damaged record says why, still without its contents.
      const damaged = flip(record, record.length - 1); // the checksum value itself
      expect(wire.inspect(damaged)).toMatch(/\nerror INVALID_FIELD: at offset \d+ \(field checksum, tag 0xFFFF\): checksum does not match/);
      expect(wire.inspect(damaged)).not.toContain(hex(record.subarray(40, 56)));
    }
  });

  it('`pqwire inspect` on a record says what it is (the command renders wire.inspect)', () => {
    const record = createIdentity({ created: T0 }).export();
    const r = spawnSync(process.execPath, [join(__dirname, '..', 'bin', 'pqwire.js'), 'inspect', hex(record)], { encoding: 'utf8' });
    expect(r.stdout).toContain('(identity-secret record)');
    expect(r.stdout).not.toContain('UNKNOWN_TYPE');
  });

  it('throws InvalidTypeError for anything but bytes', () => {
    for (const [, v] of [...NOT_BYTES, ['undefined', undefined] as const]) expectThrow(() => wire.inspect(bad(v)), InvalidTypeError, 'INVALID_TYPE');
  });
});

