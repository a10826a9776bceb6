#!/usr/bin/env bash
# Installs the Debian 12 packages Convene builds and tests with. Idempotent:
# installs only what is missing, and refreshes the package lists only then.
# Needs root only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  protobuf-compiler libprotobuf-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev zlib1g-dev libzstd-dev libxxhash-dev
  libboost-dev libboost-system-dev libboost-program-options-dev libssl-dev
  librocksdb-dev libspdlog-dev libpugixml-dev
)

# The sanitizer pass builds with clang, whose libFuzzer runtime the fuzz
# targets link (tests/fuzz).
packages+=(clang libclang-rt-14-dev)

# The browser client's end-to-end tests drive Debian's Chromium (never a
# browser downloaded by a test tool).
packages+=(chromium)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

# The browser client builds with Node.js 20 or newer and its npm (Vite and
# Vitest need them). Debian 12's own nodejs package is older, so it is not
# installed from here: a missing or old Node.js is reported clearly instead.
check_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if ((major < 20)) || ! command -v npm >/dev/null; then
    echo "install-deps: the browser client needs Node.js 20 or newer with npm" \
      "(found node $(node --version 2>/dev/null || echo none))" >&2
    exit 1
  fi
}

if ((${#missing[@]} == 0)); then
  check_node
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing ${missing[*]}; run as root, or install them with apt-get" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
check_node
echo "install-deps: done"
