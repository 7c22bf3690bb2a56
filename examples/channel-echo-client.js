#!/usr/bin/env node
// A secure-channel client for channel-echo-server.js: pins the server's public key, sends
// a message (the arguments, or each line typed on stdin), prints the echo.
//
//   node examples/channel-echo-client.js [--host 127.0.0.1] [--port 4433] [--pub FILE]
//                                        [--duplex --key FILE] [message ...]
//
// --pub is the server's public key file (default: server.pub in the server's default
// folder). With --duplex the client authenticates too, with the key in --key (generated
// on first use; its public half is written next to it as .pub, for the server's --trust).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { parseArgs } = require('node:util');
const { channel } = require('..');

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4433' },
    pub: { type: 'string', default: path.join(os.tmpdir(), 'pqwire-channel', 'server.pub') },
    duplex: { type: 'boolean', default: false },
    key: { type: 'string', default: path.join(os.tmpdir(), 'pqwire-channel', 'client.key') },
  },
});

const serverPublicKey = fs.readFileSync(args.pub);
let pinned;
try {
  pinned = channel.serverKeyInfo(serverPublicKey);
} catch (e) {
  console.error(`${args.pub} is not a server public key (${e.code}: ${e.message})`);
  process.exit(1);
}
console.log(`pinned server key ${pinned.keyId} (${pinned.kemSuite}, ${pinned.sigSuite})`);

let clientKey;
if (args.duplex) {
  if (fs.existsSync(args.key)) {
    clientKey = channel.ServerKey.fromFile(fs.readFileSync(args.key));
  } else {
    fs.mkdirSync(path.dirname(args.key), { recursive: true });
    clientKey = channel.generateClientKey();
    fs.writeFileSync(args.key, clientKey.toFile(), { mode: 0o600 });
  }
  fs.writeFileSync(`${args.key}.pub`, clientKey.publicKey);
  console.log(`client key ${clientKey.keyId}; the server must trust ${args.key}.pub`);
}

const secure = channel.connect(
  { host: args.host, port: Number(args.port), serverPublicKey, mode: args.duplex ? 'duplex' : 'simplex', clientKey },
  (info) => console.log(`secure after ${info.handshakeMs} ms (${secure.bytesWritten} B sent, ${secure.bytesRead} B received in the handshake)`),
);
secure.on('security', (e) => console.log(`security event: ${e.type} ${e.code ?? ''}: ${e.message}`));
secure.on('error', (e) => {
  console.error(`error: ${e.code ?? ''} ${e.message}`);
  process.exitCode = 1;
});
secure.on('close', () => console.log(`closed (${secure.closeReason ?? 'before secure'})`));

/** Sends `text` and resolves with the echo. */
function echo(text) {
  return new Promise((resolve) => {
    const want = Buffer.byteLength(text);
    const chunks = [];
    let got = 0;
    const onData = (chunk) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= want) {
        secure.off('data', onData);
        resolve(Buffer.concat(chunks).toString());
      }
    };
    secure.on('data', onData);
    secure.write(text);
  });
}

async function main() {
  if (positionals.length > 0) {
    const started = performance.now();
    const answer = await echo(positionals.join(' '));
    console.log(`echo: ${answer} (${(performance.now() - started).toFixed(1)} ms)`);
  } else {
    const lines = readline.createInterface({ input: process.stdin });
    for await (const line of lines) console.log(`echo: ${await echo(line)}`);
  }
  secure.end();
}

secure.once('secure', () => {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
    secure.destroy();
  });
});
