#!/usr/bin/env bash
# Builds the browser client into client-web/dist (served by convene-server
# with --client-dir). Installs its npm packages from the lockfile first when
# they are missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../client-web"

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "== npm ci (client-web)"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "== build the browser client (client-web/dist)"
npm run --silent build
