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
  librocksdb-dev libspdlog-dev
)

# --- browser client (next milestone) -----------------------------------------
# The browser client and its end-to-end tests will add: chromium chromium-driver
# nodejs npm. They are not needed yet.
# ------------------------------------------------------------------------------

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
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
echo "install-deps: done"
