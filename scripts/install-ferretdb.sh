#!/usr/bin/env bash
# Builds the embedded database, FerretDB, once into Parley's cache and prints the binary's path as the last line.
# Progress goes to stderr. Exit code 3 means the last stderr line says what to install.
#
# Why v1.24.2: the Go module proxy does not serve v1.24.1, and v1.24.2 keeps the SQLite backend (v2 dropped it).
# Why write build/version/version.txt: `go generate` creates it upstream, so module zips lack it and the binary
# would panic at start; and why not `go install …@v1.24.2`: it fails on the module's deprecation lookup.
set -euo pipefail

version=v1.24.2
cache_dir="${PARLEY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}/ferretdb-$version"
bin="$cache_dir/ferretdb"

if [[ -x "$bin" ]] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "FerretDB needs the Go toolchain (go ≥ 1.24) to build once; install Go or set MONGODB_URI to a MongoDB server." >&2
  exit 3
fi

mkdir -p "$cache_dir"
work="$(mktemp -d "${TMPDIR:-/tmp}/parley-ferretdb.XXXXXX")"
partial="$bin.partial.$$"
trap 'rm -rf "$work" "$partial"' EXIT

# -mod=mod lets the build complete go.sum; keep whatever GOFLAGS the environment already sets (e.g. -buildvcs=false)
export GOFLAGS="-mod=mod${GOFLAGS:+ $GOFLAGS}"

echo "downloading FerretDB $version sources…" >&2
cd "$work"
module_dir="$(go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
if [[ -z "$module_dir" ]]; then
  echo "go mod download did not report where FerretDB $version was unpacked" >&2
  exit 1
fi

# the module cache is read-only; build from a writable copy
cp -r "$module_dir" "$work/src"
chmod -R u+w "$work/src"
echo "$version" >"$work/src/build/version/version.txt"

echo "compiling FerretDB $version (first run only)…" >&2
cd "$work/src"
go build -v -trimpath -o "$partial" ./cmd/ferretdb

# rename is atomic within a directory: a concurrent run sees no binary or a whole one
mv -f "$partial" "$bin"
echo "installed FerretDB $version" >&2
echo "$bin"
