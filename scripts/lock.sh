#!/usr/bin/env bash
# Refresh the dependency lock: resolve pyproject.toml again into uv.lock, then export one hashed
# requirements file per install set into locks/ (what run.sh and the README's commands install).
#   bash scripts/lock.sh                          re-resolve only what pyproject.toml changed
#   bash scripts/lock.sh --upgrade                move every package to its newest allowed version
#   bash scripts/lock.sh --upgrade-package babel  move one package
# uv is pinned in the dev lock (.venv/bin/uv after `bash run.sh setup`); UV=/path/to/uv overrides.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-.venv/bin/uv}"

"$UV" lock "$@"
export_set() {
  local name="$1"
  shift
  "$UV" export --frozen --no-emit-project --format requirements-txt --quiet "$@" -o "locks/$name.txt"
}
mkdir -p locks
export_set kiosk --extra kiosk --extra pcsc  # a kiosk, with the wheel
export_set central --extra central           # a central server, with the wheel
export_set demo --extra demo                 # both on one machine (kiosk demo), with the wheel
export_set dev --extra dev                   # a checkout: bash run.sh setup / demo / test
