// What the figures were measured on: CPU, the flags fast crypto depends on, cores, memory,
// OS, Node, and which build of pqwire (commit, addon file, cargo profile it came from).
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT } = require('./peers');

/** CPU flags that crypto code dispatches on (x86-64 and arm64 names). */
const FLAGS = ['sse2', 'ssse3', 'sse4_1', 'avx', 'avx2', 'bmi1', 'bmi2', 'adx', 'aes', 'pclmulqdq', 'sha_ni', 'vaes', 'vpclmulqdq', 'avx512f', 'avx512vl', 'avx512ifma', 'neon', 'asimd', 'pmull', 'sha2', 'sha3'];

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function cpu() {
  const info = read('/proc/cpuinfo');
  const field = (name) => {
    const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info);
    return m ? m[1].trim() : null;
  };
  const all = new Set((field('flags') || field('Features') || '').split(/\s+/).filter(Boolean));
  return {
    model: field('model name') || (os.cpus()[0] && os.cpus()[0].model) || 'unknown',
    cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    flags: FLAGS.filter((f) => all.has(f)),
  };
}

function osName() {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(read('/etc/os-release'));
  return `${m ? m[1] : os.type()} (${os.platform()} ${os.release()}, ${os.arch()})`;
}

function git(args) {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function sha256(file) {
  try {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return null;
  }
}

/** The addon in native/, and which cargo profile's build it is a copy of (when one matches). */
function addon() {
  const dir = path.join(ROOT, 'native');
  const file = (fs.existsSync(dir) ? fs.readdirSync(dir) : []).find((f) => f.endsWith('.node'));
  if (!file) return { file: null, profile: 'unknown' };
  const hash = sha256(path.join(dir, file));
  const target = path.join(ROOT, 'target');
  const candidates = [];
  for (const sub of fs.existsSync(target) ? fs.readdirSync(target) : []) {
    for (const profile of ['release', 'ci', 'debug']) {
      candidates.push([profile, path.join(target, sub, profile, 'libpqwire_node.so')]);
      candidates.push([profile, path.join(target, profile, 'libpqwire_node.so')]);
    }
  }
  const match = candidates.find(([, f]) => sha256(f) === hash);
  return { file: `native/${file}`, profile: match ? match[0] : 'unknown (prebuilt or cleaned target/)' };
}

function machine() {
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    cpu: cpu(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl,
    uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE) || 4,
    pqwire: {
      version: JSON.parse(read(path.join(ROOT, 'package.json')) || '{}').version || null,
      commit: git(['rev-parse', '--short', 'HEAD']),
      dirty: dirty === null ? null : dirty.length > 0,
      addon: addon(),
    },
  };
}

module.exports = { machine };
