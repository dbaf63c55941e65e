#!/usr/bin/env bash
# Makes this machine ready for the tests; `npm test` runs it first (pretest), and so do the test:* scripts.
# Installs what is missing when it can: Debian's chromium, redis-server and fonts (as root, with apt-get), the FerretDB
# build and schemathesis (into the user cache). Otherwise it stops at once with the command to run.
# Idempotent, and silent and quick (about 0.2 s) when everything is there: it runs before every test run.
set -euo pipefail
cd "$(dirname "$0")/.."

# ---- Debian packages -------------------------------------------------------------------------------------------
packages=()
# test/helpers/browser.ts launches this path
[[ -x /usr/bin/chromium ]] || packages+=(chromium)
# server/processes/redis-server.ts: the multi-node, cluster and fault tests start their own
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
# chromium --no-install-recommends brings no font: text would not render in screenshots nor for axe's contrast checks
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || packages+=(fonts-dejavu-core)
# nor an emoji font: reactions and the picker would show empty boxes in the README's screenshots
[[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]] || packages+=(fonts-noto-color-emoji)
# schemathesis and moto install into venvs once; Python is checked only until then (it may be a slow pyenv shim)
for tool in schemathesis moto; do
  version="$(sed -n 's/^version=//p' "scripts/install-$tool.sh")"
  marker="${PARLEY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}/$tool-$version/.installed"
  if [[ ! -f "$marker" ]] && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    packages+=(python3 python3-venv)
    break
  fi
done

if ((${#packages[@]})); then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-test-env: installing ${packages[*]} (apt-get, first run only)…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  else
    echo "The tests need Debian packages that are missing; run this, then npm test again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages[*]}" >&2
    exit 1
  fi
fi

# ---- builds cached in ~/.cache/parley (each script is a no-op once done; exit 3 names what to install) ----------
# with MONGODB_URI the tests use that server, not the embedded database (test/helpers/global-setup.ts)
if [[ -z "${MONGODB_URI:-}" ]]; then
  bash scripts/install-ferretdb.sh >/dev/null
fi
bash scripts/install-schemathesis.sh >/dev/null
bash scripts/install-moto.sh >/dev/null
