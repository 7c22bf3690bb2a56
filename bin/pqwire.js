#!/usr/bin/env node
'use strict';
// pqwire command line:
//   pqwire inspect <file | hex | ->   render a wire message for humans
//   pqwire serve [--db …] [--host …] [--port …] [--config …]   run the reference server
//   pqwire keyservice --socket … --token-file … [--data …] [--kek-file …]   run the key service
// Exit status: 0 for a valid message (or a server stopped by SIGTERM/SIGINT), 1 for an
// invalid one (or a server that could not start), 2 for a usage error.
const fs = require('node:fs');
const { parseArgs } = require('node:util');

const USAGE = `usage: pqwire inspect <file | hex | ->
       pqwire serve [--db <file | postgres://…>] [--host <host>] [--port <port>] [--config <file>]
       pqwire keyservice --socket <path> --token-file <file> [--data <dir>] [--kek-file <file>]
                         [--require-mlock | --no-mlock]

inspect renders a pqwire wire message (valid or not): header, every field with offset,
tag, name, size and value, and where and why decoding stopped.

  <file>   a file holding the raw message bytes, or the message as hex text
  <hex>    the message as hex on the command line (spaces, colons and 0x allowed)
  -        read the message from standard input (raw bytes or hex text)

serve runs the reference server (docs/server.md): SQLite in ./pqwire-data/ unless --db
names another file or a PostgreSQL URL, HTTP on 127.0.0.1:8080 unless --host/--port say
otherwise; --config reads the same keys (db, host, port) from a JSON file, the flags
taking precedence. It prints the address it listens on; SIGTERM or SIGINT drains it.

keyservice runs the key service (docs/keyservice.md): JSON over HTTP on a Unix socket of
mode 0600, every request with the bearer token of --token-file (created with a random
token if missing). Keys live in --data (default ./pqwire-keyservice), wrapped with the
32-byte key-encryption key of --kek-file or of PQWIRE_KEYSERVICE_KEK. The memory of every
key is locked (mlock) when the system allows; --require-mlock refuses to start otherwise.

exit status: 0 valid message (serve: stopped by a signal), 1 invalid message (serve: could
not start), 2 usage error`;

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
 * The command `argv` asks for: `{ command: 'help' }`, `{ command: 'inspect', input }` or
 * `{ command: 'serve', options }`. Throws a UsageError for anything else (node:util's
 * parseArgs refuses unknown flags).
 */
function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean', short: 'h' },
        db: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        config: { type: 'string' },
        socket: { type: 'string' },
        'token-file': { type: 'string' },
        data: { type: 'string' },
        'kek-file': { type: 'string' },
        'require-mlock': { type: 'boolean' },
        'no-mlock': { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const { help, ...flags } = parsed.values;
  const [command, input, ...rest] = parsed.positionals;
  if (help || command === 'help') return { command: 'help' };
  if (command === undefined) throw new UsageError('no command given');
  const positionals = [input, ...rest].filter((x) => x !== undefined);
  if (command === 'serve') return { command, options: serveOptions(onlyFlags(command, flags, SERVE_FLAGS), positionals) };
  if (command === 'keyservice') return { command, options: keyServiceOptions(onlyFlags(command, flags, KEYSERVICE_FLAGS), positionals) };
  if (command !== 'inspect') throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  const misplaced = Object.keys(flags);
  if (misplaced.length > 0) throw new UsageError(`inspect takes no --${misplaced[0]}`);
  if (input === undefined) throw new UsageError('inspect needs a file, hex or -');
  if (rest.length > 0) throw new UsageError(`inspect takes one input, got ${rest.length + 1}`);
  return { command, input };
}

const SERVE_FLAGS = ['db', 'host', 'port', 'config'];
const KEYSERVICE_FLAGS = ['socket', 'token-file', 'data', 'kek-file', 'require-mlock', 'no-mlock'];

/** `flags`, once every one of them is one `command` takes. */
function onlyFlags(command, flags, allowed) {
  const other = Object.keys(flags).find((f) => !allowed.includes(f));
  if (other !== undefined) throw new UsageError(`${command} takes no --${other}`);
  return flags;
}

/** keyservice's options, from its flags. */
function keyServiceOptions(flags, positionals) {
  if (positionals.length > 0) throw new UsageError(`keyservice takes no arguments, got ${JSON.stringify(positionals[0])}`);
  if (flags.socket === undefined) throw new UsageError('keyservice needs --socket <path>');
  if (flags['token-file'] === undefined) throw new UsageError('keyservice needs --token-file <file>');
  if (flags['require-mlock'] && flags['no-mlock']) throw new UsageError('--require-mlock and --no-mlock contradict each other');
  const options = { socket: flags.socket, tokenFile: flags['token-file'], lockMemory: flags['require-mlock'] ? 'require' : !flags['no-mlock'] };
  if (flags.data !== undefined) options.dataDir = flags.data;
  if (flags['kek-file'] !== undefined) options.kekFile = flags['kek-file'];
  return options;
}

/** serve's options: the config file's, then the flags over them. */
function serveOptions(flags, positionals) {
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const options = {};
  if (flags.config !== undefined) {
    let config;
    try {
      config = JSON.parse(fs.readFileSync(flags.config, 'utf8'));
    } catch (e) {
      throw new UsageError(`cannot read the config file ${JSON.stringify(flags.config)}: ${e.message}`);
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new UsageError('the config file must hold a JSON object');
    for (const [key, value] of Object.entries(config)) {
      if (!['db', 'host', 'port'].includes(key)) throw new UsageError(`unknown key ${JSON.stringify(key)} in the config file`);
      options[key] = value;
    }
  }
  if (flags.db !== undefined) options.db = flags.db;
  if (flags.host !== undefined) options.host = flags.host;
  if (flags.port !== undefined) {
    if (!/^\d{1,5}$/.test(flags.port) || Number(flags.port) > 65535) throw new UsageError(`--port must be a port number, got ${JSON.stringify(flags.port)}`);
    options.port = Number(flags.port);
  }
  // A config value of the wrong type ("port": "80") is a usage error too, not a failure to start.
  try {
    require('../ts/dist/server/serve').checkServeOptions(options);
  } catch (e) {
    throw new UsageError(e.message);
  }
  return options;
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

/** Runs the server until SIGTERM or SIGINT; resolves with the exit status. */
async function runServer(options) {
  const { serve } = require('../ts/dist/server');
  let server;
  try {
    server = await serve(options);
  } catch (e) {
    console.error(`pqwire serve: could not start: ${e.message}`);
    return EXIT.invalid;
  }
  // The signal handlers first: whoever reads the address line may signal at once.
  const stopped = new Promise((resolve) => {
    const stop = () => {
      process.removeListener('SIGTERM', stop);
      process.removeListener('SIGINT', stop);
      server.close().then(
        () => resolve(EXIT.valid),
        (e) => {
          console.error(`pqwire serve: ${e.message}`);
          resolve(EXIT.invalid);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  console.log(`pqwire serve: listening on ${server.url} (${server.database})`);
  return stopped;
}

/** Runs the key service until SIGTERM or SIGINT, then wipes its keys; resolves with the exit status. */
async function runKeyService(options) {
  const { startKeyService } = require('../ts/dist/keyservice');
  let service;
  try {
    service = await startKeyService(options);
  } catch (e) {
    console.error(`pqwire keyservice: could not start: ${e.code ? `${e.code}: ` : ''}${e.message}`);
    return EXIT.invalid;
  }
  const stopped = new Promise((resolve) => {
    const stop = () => {
      process.removeListener('SIGTERM', stop);
      process.removeListener('SIGINT', stop);
      service.close().then(() => resolve(EXIT.valid));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  if (service.tokenCreated) console.log(`pqwire keyservice: wrote a new token to ${service.tokenFile}`);
  if (!service.memoryLocked) console.warn('pqwire keyservice: warning: the keys\' memory is not locked (mlock refused or --no-mlock); keys may reach swap');
  console.log(`pqwire keyservice: listening on ${service.socket}`);
  return stopped;
}

function main(argv) {
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.command === 'help') {
      console.log(USAGE);
      return EXIT.valid;
    }
    if (parsed.command === 'serve') return runServer(parsed.options);
    if (parsed.command === 'keyservice') return runKeyService(parsed.options);
    return inspect(parsed.input);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`pqwire: ${e.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
}

if (require.main === module) {
  Promise.resolve(main(process.argv.slice(2))).then((status) => {
    process.exitCode = status;
  });
}

module.exports = { parseCommandLine, UsageError };
