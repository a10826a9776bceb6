#!/usr/bin/env bash
# The run command: installs what is missing, builds the server and the browser
# client, and starts convene-server with its embedded RocksDB store, serving
# the client. Extra arguments go to convene-server; --listen 127.0.0.1:8080,
# --data ./data and --client-dir client-web/dist are the defaults. The server
# prints the URL to open.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Shares build/ with scripts/test.sh (optimised, with debug info), so running
# and testing do not rebuild each other's tree.
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
bash scripts/client.sh

args=("$@")
[[ " $* " == *" --listen "* || " $* " == *" --listen="* ]] || args=(--listen 127.0.0.1:8080 "${args[@]}")
[[ " $* " == *" --data "* || " $* " == *" --data="* ]] || args+=(--data ./data)
[[ " $* " == *" --client-dir "* || " $* " == *" --client-dir="* ]] || args+=(--client-dir client-web/dist)
exec build/convene-server "${args[@]}"
