/**
 * The `pqwire` command (bin/pqwire.js): its arguments (node:util parseArgs), its exit
 * status (0 valid message, 1 invalid, 2 usage error) taken from the decoder's result, and
 * its three kinds of input. `npm test` compiles ts/dist first, which the command loads.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { capabilities, wire } from '../ts/src/index';

const BIN = resolve(__dirname, '..', 'bin', 'pqwire.js');

function pqwire(args: string[], input?: string | Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const message = Buffer.from(wire.encode(capabilities()));
const hex = message.toString('hex');

describe('pqwire inspect', () => {
  it('renders a valid message and exits 0, from hex, a file (raw or hex) and standard input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pqwire-cli-'));
    writeFileSync(join(dir, 'raw.bin'), message);
    writeFileSync(join(dir, 'hex.txt'), `0x${hex.replace(/(..)/g, '$1:').slice(0, -1)}\n`);
    for (const r of [
      pqwire(['inspect', hex]),
      pqwire(['inspect', join(dir, 'raw.bin')]),
      pqwire(['inspect', join(dir, 'hex.txt')]),
      pqwire(['inspect', '-'], message),
      pqwire(['inspect', '-'], `${hex}\n`),
    ]) {
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('capabilities');
      expect(r.status).toBe(0);
    }
  });

  it('renders an invalid message and exits 1', () => {
    for (const bad of [`${hex}00`, hex.slice(0, -2), `ff${hex.slice(2)}`]) {
      const r = pqwire(['inspect', bad]);
      expect(r.stdout).toBe(wire.inspect(Buffer.from(bad, 'hex')));
      expect(r.status).toBe(1);
    }
  });

  it('exits 0 exactly when the message decodes, for every single-bit flip of a valid one', () => {
    // The exit status comes from the decoder; the rendering says the same.
    const flips = Array.from({ length: 16 }, (_, i) => {
      const b = Buffer.from(message);
      b[(i * 7) % b.length]! ^= 1 << i % 8;
      return b;
    });
    const statuses = flips.map((b) => pqwire(['inspect', b.toString('hex')]).status);
    statuses.forEach((status, i) => {
      let decodes = true;
      try {
        wire.decode(flips[i]!);
      } catch {
        decodes = false;
      }
      expect(status).toBe(decodes ? 0 : 1);
    });
    expect(statuses).toContain(1);
  });
});

describe('pqwire arguments', () => {
  it('prints the usage on --help, -h and help, and exits 0', () => {
    for (const args of [['--help'], ['-h'], ['help'], ['inspect', '--help']]) {
      const r = pqwire(args);
      expect(r.stdout).toMatch(/^usage: pqwire inspect/);
      expect(r.status).toBe(0);
    }
  });

  it('refuses a bad command line with a message and the usage, exit 2', () => {
    const cases: [string[], RegExp][] = [
      [[], /no command given/],
      [['inspect'], /inspect needs a file, hex or -/],
      [['inspect', hex, hex], /inspect takes one input, got 2/],
      [['inspect', '--bogus', hex], /Unknown option '--bogus'/],
      [['inspect', '-x', hex], /Unknown option '-x'/],
      [['decode', hex], /unknown command "decode"/],
      [['inspect', 'zz'], /"zz" is neither a file nor an even number of hex digits/],
      [['inspect', 'abc'], /neither a file nor an even number of hex digits/],
    ];
    for (const [args, why] of cases) {
      const r = pqwire(args);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toContain('usage: pqwire inspect');
      expect(r.stdout).toBe('');
      expect(r.status).toBe(2);
    }
  });
});
