#!/usr/bin/env bash
# Install the reference profile evaluator (and @adobe/json-formula) for the differential
# tests: copy it from ../shared/peers/profile-evaluator into .cache/ and npm install there.
# Without node/npm, or without the shared folder, it says so and exits 0 (the tests skip).
set -euo pipefail
cd "$(dirname "$0")/../.."
src="../shared/peers/profile-evaluator"
dest=".cache/profile-evaluator"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup_peer: node/npm not found; the trust differential tests will be skipped"; exit 0
fi
if [ ! -d "$src" ]; then
  echo "setup_peer: $src not found; the trust differential tests will be skipped"; exit 0
fi
if [ -f "$dest/node_modules/@adobe/json-formula/package.json" ]; then
  echo "setup_peer: already installed in $dest"; exit 0
fi
mkdir -p "$dest"
cp -R "$src/." "$dest/"
rm -rf "$dest/node_modules"
(cd "$dest" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error)
echo "setup_peer: installed in $dest"
