#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (as root) and for every later run:
#   bash run.sh demo    install what is missing, then start the demo (central + kiosk, simulated devices)
#   bash run.sh test    install what is missing (test tools too), then lint, type-check and run every test
#   bash run.sh setup   install only
#   bash run.sh wheel   install, then build dist/service_kiosk-*.whl (assets, fonts and catalogs inside)
# Safe to run again: each step checks what is already there.
set -euo pipefail
cd "$(dirname "$0")"

ACTION="${1:-demo}"
shift || true
VENV=.venv
PY="$VENV/bin/python"

# Runtime: Kivy's offscreen/EGL rendering, the fonts, PC/SC for the card reader and building pyscard.
APT_RUNTIME=(python3 python3-venv python3-dev gcc libmtdev1 libgl1 libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1
  fonts-noto-cjk fonts-material-design-icons-iconfont pcscd libpcsclite-dev)
# Tests only: never install these on a real kiosk (vpcd lets anyone on the LAN "insert" a card).
# The UI tests run in a private Xvfb (a real X window, as on a kiosk); xdotool and import drive it by hand.
# postgresql: the central's tests run a second time on a throwaway cluster of it (tests/pgcluster.py).
# haproxy: the failover drill (tests/e2e/test_failover.py) puts two centrals behind it.
APT_TEST=(vsmartcard-vpcd chromium chromium-driver socat xvfb xauth xdotool imagemagick postgresql haproxy)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "missing Debian packages: ${missing[*]} (run as root, or install them first)" >&2
      exit 1
    fi
    say "apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; }

# Installs exactly the hashed versions in locks/NAME.txt (see scripts/lock.sh), then this checkout itself
# (editable, no dependencies of its own). Skipped unless the lock, pyproject.toml or setup.py changed.
install_locked() {
  local lock="locks/$1.txt" stamp="$VENV/.installed" want
  want="$1 $(cat "$lock" pyproject.toml setup.py | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  say "pip: installing $lock (exact versions, hashes checked)"
  rm -f "$stamp"
  "$PY" -m pip install -q --require-hashes --no-deps -r "$lock"
  "$PY" -m pip install -q --no-deps --no-build-isolation -e .
  echo "$want" >"$stamp"
}

setup() {
  local with_test="${1:-}"
  apt_install "${APT_RUNTIME[@]}"
  [ -n "$with_test" ] && apt_install "${APT_TEST[@]}"
  local base=python3
  python_ok "$base" || { echo "Python 3.11 or newer is required" >&2; exit 1; }
  if [ ! -x "$PY" ] || ! python_ok "$PY"; then
    say "creating $VENV"
    rm -rf "$VENV"
    "$base" -m venv "$VENV"
  fi
  install_locked dev
  say "fonts and translations"
  "$PY" scripts/build_font.py
  cp -u /usr/share/fonts/truetype/material-design-icons-iconfont/MaterialIcons-Regular.ttf assets/fonts/
  "$PY" scripts/i18n.py compile
}

case "$ACTION" in
  setup)
    setup test
    ;;
  demo)
    setup
    say "starting the demo (Ctrl-C stops it)"
    exec "$VENV/bin/kiosk" demo "$@"
    ;;
  test)
    setup test
    say "ruff"
    "$VENV/bin/ruff" check .
    say "mypy"
    "$VENV/bin/mypy" service_common kiosk devices screens offline_cache server_sync central
    say "translations"
    "$PY" scripts/i18n.py check
    say "pytest"
    set +e
    "$VENV/bin/pytest" "$@"
    rc=$?
    set -e
    if [ "$rc" -eq 5 ]; then
      echo "pytest collected no tests: that is a failure here" >&2
      exit 1
    fi
    # The whole suite (no arguments) also runs every central test on PostgreSQL.
    if [ "$rc" -eq 0 ] && [ $# -eq 0 ]; then
      say "pytest: the central's tests and the failover drill again, on PostgreSQL"
      set +e
      CENTRAL_TEST_DB=postgresql "$VENV/bin/pytest" -q tests/central tests/e2e/test_failover.py
      rc=$?
      set -e
      [ "$rc" -eq 5 ] && { echo "the PostgreSQL pass collected no tests" >&2; exit 1; }
    fi
    exit "$rc"
    ;;
  wheel)
    setup
    say "building the wheel into dist/"
    rm -rf build
    "$PY" -m pip wheel -q --no-deps --no-build-isolation -w dist .
    ls dist/service_kiosk-*.whl
    ;;
  *)
    echo "usage: bash run.sh [demo|test|setup|wheel] [extra arguments]" >&2
    exit 2
    ;;
esac
