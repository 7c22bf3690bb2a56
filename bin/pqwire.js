#!/usr/bin/env node
'use strict';
// pqwire command line. Today one command:
//   pqwire inspect <file | hex | ->   render a wire message for humans
// Exit status: 0 for a valid message, 1 for an invalid one, 2 for a usage error.
const fs = require('node:fs');

const USAGE = `usage: pqwire inspect <file | hex | ->

Renders a pqwire wire message (valid or not): header, every field with offset, tag,
name, size and value, and where and why decoding stopped.

  <file>   a file holding the raw message bytes, or the message as hex text
  <hex>    the message as hex on the command line (spaces, colons and 0x allowed)
  -        read the message from standard input (raw bytes or hex text)

exit status: 0 valid message, 1 invalid message, 2 usage error`;

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

function readInput(arg) {
  if (arg === '-') return fromHexOrRaw(fs.readFileSync(0));
  if (fs.existsSync(arg) && fs.statSync(arg).isFile()) return fromHexOrRaw(fs.readFileSync(arg));
  const hex = arg.replace(/^0x/, '').replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) {
    throw new Error(`${JSON.stringify(arg)} is neither a file nor an even number of hex digits`);
  }
  return Buffer.from(hex, 'hex');
}

function main(argv) {
  const [command, input, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command !== 'inspect' || input === undefined || rest.length > 0) {
    console.error(USAGE);
    return 2;
  }
  let bytes;
  try {
    bytes = readInput(input);
  } catch (e) {
    console.error(`pqwire: ${e.message}`);
    return 2;
  }
  const { wire } = require('../ts/dist');
  const text = wire.inspect(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  process.stdout.write(text);
  return /^valid /m.test(text) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
