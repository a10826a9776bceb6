#!/usr/bin/env bash
# The run command: builds Convene and starts the server. Extra arguments go to
# convene-server; --listen 127.0.0.1:8080 and --data ./data are the defaults.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Shares build/ with scripts/test.sh (optimised, with debug info), so running
# and testing do not rebuild each other's tree.
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"

if [[ -x build/convene-server ]]; then
  args=("$@")
  [[ " $* " == *" --listen "* || " $* " == *" --listen="* ]] || args=(--listen 127.0.0.1:8080 "${args[@]}")
  [[ " $* " == *" --data "* || " $* " == *" --data="* ]] || args+=(--data ./data)
  exec build/convene-server "${args[@]}"
fi

# Until the server exists, show what does: the benchmark tool.
echo
echo "convene-server is not built yet: the server is the next milestone."
echo "What exists now is the CRDT library and its benchmark tool, convene-bench:"
echo
build/convene-bench --help
trace=${CONVENE_TRACES_DIR:-../shared/traces}/sequential/automerge-paper.json.gz
if [[ -f "$trace" ]]; then
  echo
  echo "Replaying one editing trace ($trace):"
  build/convene-bench trace --file "$trace"
fi
