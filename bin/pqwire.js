#!/usr/bin/env node
'use strict';
// pqwire command line. Today one command:
//   pqwire inspect <file | hex | ->   render a wire message for humans
// Exit status: 0 for a valid message, 1 for an invalid one, 2 for a usage error.
const fs = require('node:fs');
const { parseArgs } = require('node:util');

const USAGE = `usage: pqwire inspect <file | hex | ->

Renders a pqwire wire message (valid or not): header, every field with offset, tag,
name, size and value, and where and why decoding stopped.

  <file>   a file holding the raw message bytes, or the message as hex text
  <hex>    the message as hex on the command line (spaces, colons and 0x allowed)
  -        read the message from standard input (raw bytes or hex text)

exit status: 0 valid message, 1 invalid message, 2 usage error`;

const EXIT = { valid: 0, invalid: 1, usage: 2 };

/** A command line pqwire does not accept: the message, then the usage, exit status 2. */
class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
    this.code = 'USAGE';
  }
}

const HEX_TEXT = /^(0x)?[0-9a-fA-F\s:]*$/;

/** Raw bytes, or the bytes a hex text stands for. */
function fromHexOrRaw(buf) {
  const text = buf.toString('latin1').trim();
  if (text.length > 0 && HEX_TEXT.test(text)) {
    const hex = text.replace(/^0x/, '').replace(/[\s:]/g, '');
    if (hex.length % 2 === 0) return Buffer.from(hex, 'hex');
  }
  return buf;
}

/** Reads a file (or standard input for `-`); an unreadable one is a usage error. */
function readFile(arg) {
  try {
    return fs.readFileSync(arg === '-' ? 0 : arg);
  } catch (e) {
    throw new UsageError(`cannot read ${arg === '-' ? 'standard input' : JSON.stringify(arg)}: ${e.message}`);
  }
}

function readInput(arg) {
  if (arg === '-' || (fs.existsSync(arg) && fs.statSync(arg).isFile())) return fromHexOrRaw(readFile(arg));
  const hex = arg.replace(/^0x/, '').replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) {
    throw new UsageError(`${JSON.stringify(arg)} is neither a file nor an even number of hex digits`);
  }
  return Buffer.from(hex, 'hex');
}

/**
 * The command `argv` asks for: `{ command: 'help' }` or `{ command: 'inspect', input }`.
 * Throws a UsageError for anything else (node:util's parseArgs refuses unknown flags).
 */
function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const [command, input, ...rest] = parsed.positionals;
  if (parsed.values.help || command === 'help') return { command: 'help' };
  if (command === undefined) throw new UsageError('no command given');
  if (command !== 'inspect') throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  if (input === undefined) throw new UsageError('inspect needs a file, hex or -');
  if (rest.length > 0) throw new UsageError(`inspect takes one input, got ${rest.length + 1}`);
  return { command, input };
}

/** Whether `bytes` decode as a message: the exit status says what the decoder said. */
function decodes(pq, bytes) {
  try {
    pq.wire.decode(bytes);
    return true;
  } catch (e) {
    if (e instanceof pq.WireFormatError) return false;
    throw e;
  }
}

function inspect(input) {
  const bytes = readInput(input);
  const pq = require('../ts/dist');
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  process.stdout.write(pq.wire.inspect(view));
  return decodes(pq, view) ? EXIT.valid : EXIT.invalid;
}

function main(argv) {
  try {
    const { command, input } = parseCommandLine(argv);
    if (command === 'help') {
      console.log(USAGE);
      return EXIT.valid;
    }
    return inspect(input);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`pqwire: ${e.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { parseCommandLine, UsageError };
