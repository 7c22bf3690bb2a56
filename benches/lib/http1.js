// A minimal HTTP/1.1 keep-alive connection for the load clients (benches/load.js): one
// request at a time, answers with a Content-Length (as fastify sends them). node:http's
// client cost the load process as much CPU per request as the server spent answering it,
// on a 2-core machine that the two share; load generators (wrk, autocannon) parse HTTP
// by hand for the same reason. The server side is the real one, untouched.
'use strict';

const net = require('node:net');

const HEAD_END = Buffer.from('\r\n\r\n');

class Http1Connection {
  /**
   * A connection to `url`'s host and port, or to the Unix socket `{ socketPath }` (the key
   * service, benches/keyservice.js), opened on the first request.
   */
  constructor(url) {
    if (typeof url === 'object') {
      this.socketPath = url.socketPath;
      this.hostHeader = 'localhost';
    } else {
      const u = new URL(url);
      this.host = u.hostname;
      this.port = Number(u.port);
      this.hostHeader = u.host;
    }
    this.socket = undefined;
    this.buffered = Buffer.alloc(0);
    this.waiting = undefined; // { resolve, reject }
  }

  #open() {
    const socket = this.socketPath ? net.connect({ path: this.socketPath }) : net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.#parse();
    });
    const fail = (e) => {
      this.socket = undefined;
      this.waiting?.reject(e ?? new Error('connection closed'));
      this.waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
    this.socket = socket;
  }

  /** Resolves the waiting request once its whole answer is buffered. */
  #parse() {
    const end = this.buffered.indexOf(HEAD_END);
    if (end < 0 || this.waiting === undefined) return;
    const head = this.buffered.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
    if (!Number.isFinite(length)) {
      this.waiting.reject(new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
      this.waiting = undefined;
      return;
    }
    if (this.buffered.length < end + 4 + length) return;
    const body = this.buffered.subarray(end + 4, end + 4 + length);
    this.buffered = this.buffered.subarray(end + 4 + length);
    const contentType = /\r\ncontent-type: *([^\r]*)/i.exec(head)?.[1] ?? '';
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve({ status, contentType, body });
  }

  /** Sends one request; resolves with `{status, contentType, body}`. */
  request(method, path, headers, body) {
    if (this.waiting !== undefined) return Promise.reject(new Error('one request at a time'));
    if (this.socket === undefined) this.#open();
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    head += body === undefined ? '\r\n' : `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(body === undefined ? head : head + body);
    });
  }

  close() {
    this.socket?.destroy();
  }
}

module.exports = { Http1Connection };
