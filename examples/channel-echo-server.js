#!/usr/bin/env node
// A secure-channel echo server (docs/channel.md): every byte a client sends comes back.
//
//   node examples/channel-echo-server.js [--port 4433] [--host 127.0.0.1] [--dir DIR]
//                                        [--duplex --trust client.pub ...]
//
// On first run it generates a server key and writes, in DIR (default: a pqwire-channel
// folder in the system's temporary directory):
//   server.key   the secret key file (mode 0600) — keep it like a TLS private key
//   server.pub   the public key, which clients pin (channel-echo-client.js --pub)
// Later runs reuse server.key. With --duplex the server also authenticates clients: pass
// each trusted client's public key file with --trust (the client makes one with --key).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { channel } = require('..');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '4433' },
    host: { type: 'string', default: '127.0.0.1' },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'pqwire-channel') },
    duplex: { type: 'boolean', default: false },
    trust: { type: 'string', multiple: true, default: [] },
  },
});

fs.mkdirSync(args.dir, { recursive: true });
const keyFile = path.join(args.dir, 'server.key');
const pubFile = path.join(args.dir, 'server.pub');

let key;
if (fs.existsSync(keyFile)) {
  key = channel.ServerKey.fromFile(fs.readFileSync(keyFile));
  console.log(`loaded server key ${key.keyId} from ${keyFile}`);
} else {
  key = channel.generateServerKey();
  fs.writeFileSync(keyFile, key.toFile(), { mode: 0o600 });
  console.log(`generated server key ${key.keyId}; secret in ${keyFile}`);
}
fs.writeFileSync(pubFile, key.publicKey);
const { kemSuite, sigSuite, aeadSuite, expires } = key.info;
console.log(`public key (${key.publicKey.length} B) for clients to pin: ${pubFile}`);
console.log(`suites: ${kemSuite}, ${sigSuite}, ${aeadSuite}; valid until ${new Date(expires * 1000).toISOString()}`);

const trustedClients = args.trust.map((file) => fs.readFileSync(file));
const server = channel.createServer(
  { keys: [key], mode: args.duplex ? 'duplex' : 'simplex', trustedClients: args.duplex ? trustedClients : undefined },
  (secure) => {
    const who = `${secure.remoteAddress}${secure.info.peerKeyId ? ` (client key ${secure.info.peerKeyId})` : ''}`;
    console.log(`secure connection from ${who} after ${secure.info.handshakeMs} ms`);
    secure.on('error', (e) => console.log(`  ${who}: ${e.code ?? ''} ${e.message}`));
    secure.on('close', () => console.log(`  ${who} closed (${secure.closeReason})`));
    secure.pipe(secure); // echo
  },
);
server.on('security', (e) => console.log(`security event: ${e.type} ${e.code ?? ''} from ${e.remoteAddress}: ${e.message}`));
server.on('error', (e) => {
  console.error(`server error: ${e.message}`);
  process.exit(1);
});
server.listen(Number(args.port), args.host, () => {
  const { address, port } = server.address();
  console.log(`listening on ${address}:${port} (${args.duplex ? 'duplex' : 'simplex'}); Ctrl-C to stop`);
  console.log(`try: node examples/channel-echo-client.js --host ${address} --port ${port} --pub ${pubFile} hello`);
});

process.on('SIGINT', () => {
  console.log('\nclosing');
  server.close(() => process.exit(0)).closeAllConnections();
});
