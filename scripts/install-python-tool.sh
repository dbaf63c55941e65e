#!/usr/bin/env bash
# Installs a Python tool the tests run (install-schemathesis.sh, install-moto.sh) once into Parley's cache, in a venv
# of its own, and prints the path of its executable as the last line. Progress goes to stderr. Exit code 3 means the
# last stderr line says what to install.
#
# Usage: install-python-tool.sh NAME VERSION REQUIREMENT EXECUTABLE   (e.g. moto 5.2.5 'moto[server]==5.2.5' python)
set -euo pipefail

name="$1" version="$2" requirement="$3" executable="$4"
cache_dir="${PARLEY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}/$name-$version"
bin="$cache_dir/bin/$executable"
marker="$cache_dir/.installed"

# the marker is written last, so an interrupted install is redone rather than trusted
if [[ -f "$marker" && -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

# two test runs installing at once would delete each other's venv: the second waits, then finds it installed
mkdir -p "$(dirname "$cache_dir")"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache_dir.lock"
  flock 9
  if [[ -f "$marker" && -x "$bin" ]]; then
    echo "$bin"
    exit 0
  fi
fi

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
  echo "$name $version needs Python ≥ 3.11 with venv and pip (Debian: apt-get install python3-venv)." >&2
  exit 3
fi

echo "installing $name $version into $cache_dir (first run only)…" >&2
# a venv's scripts name its absolute path in their shebangs, so it is built in place, not built elsewhere and moved
rm -rf "$cache_dir"
trap 'rm -rf "$cache_dir"' ERR
python3 -m venv "$cache_dir"
"$cache_dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "$requirement" >&2
"$bin" --version >&2
touch "$marker"
echo "installed $name $version" >&2
echo "$bin"
