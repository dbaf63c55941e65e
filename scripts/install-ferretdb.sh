#!/usr/bin/env bash
# Builds the embedded database, FerretDB, once into Parley's cache and prints the binary's path as the last line.
# Progress goes to stderr. Exit code 3 means the last stderr line says what to install.
#
# Why v1.24.2: the Go module proxy does not serve v1.24.1, and v1.24.2 keeps the SQLite backend (v2 dropped it).
# Why write build/version/version.txt: `go generate` creates it upstream, so module zips lack it and the binary
# would panic at start; and why not `go install …@v1.24.2`: it fails on the module's deprecation lookup.
# Why patched: unpatched, the SQLite backend never uses the _id index, so every lookup by _id reads the whole
# collection (scripts/ferretdb/sqlite-id-index.patch), and most of a find's time per document goes to decoding
# overhead and leak tracking (scripts/ferretdb/read-path.patch); each patch file says what it changes, and
# docs/decisions.md why ("The embedded database's `_id` index", "The embedded database's read path").
set -euo pipefail

version=v1.24.2
# the patches' revision: a build of another revision (or the unpatched ferretdb-v1.24.2) sits in another folder,
# so existing installs build again. Bump it whenever a patch changes, and FERRETDB_BUILD in
# server/processes/embedded-database.ts with it.
patch_revision=parley2
patch_dir="$(cd "$(dirname "$0")" && pwd)/ferretdb"
# in this order: read-path.patch is written against the source with sqlite-id-index.patch applied
patch_files=("$patch_dir/sqlite-id-index.patch" "$patch_dir/read-path.patch")
cache_root="${PARLEY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}"
cache_dir="$cache_root/ferretdb-$version-$patch_revision"
bin="$cache_dir/ferretdb"

if [[ -x "$bin" ]] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "FerretDB needs the Go toolchain (go ≥ 1.24) to build once; install Go or set MONGODB_URI to a MongoDB server." >&2
  exit 3
fi
# git is not needed for anything else (the module comes from the proxy), and Debian does not always have either
if ! command -v git >/dev/null 2>&1 && ! command -v patch >/dev/null 2>&1; then
  echo "FerretDB is built with a patch of Parley's, which needs patch or git to apply; install patch (apt-get install patch) or set MONGODB_URI to a MongoDB server." >&2
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

cd "$work/src"
# each patch names a line it writes, checked after it: git apply skips, and still succeeds, what lies outside the
# repository it believes it is in
declare -A patch_marks=(
  [sqlite-id-index.patch]='^func prepareWhereClause:internal/backends/sqlite/query.go'
  [read-path.patch]='^func unmarshalValue:internal/handler/sjson/sjson.go'
)
for patch_file in "${patch_files[@]}"; do
  name="$(basename "$patch_file")"
  echo "applying $name…" >&2
  if command -v git >/dev/null 2>&1; then
    # outside any repository: the ceiling keeps git from taking a repository above the temp dir for this one
    GIT_CEILING_DIRECTORIES="$work" git apply -p1 "$patch_file" >&2
  else
    patch -p1 --forward --batch --fuzz=0 <"$patch_file" >&2
  fi
  mark="${patch_marks[$name]}"
  if ! grep -q "${mark%%:*}" "${mark#*:}"; then
    echo "$name did not apply to FerretDB $version" >&2
    exit 1
  fi
done

echo "compiling FerretDB $version (first run only)…" >&2
go build -v -trimpath -o "$partial" ./cmd/ferretdb

# rename is atomic within a directory: a concurrent run sees no binary or a whole one
mv -f "$partial" "$bin"
echo "installed FerretDB $version with Parley's patches ($patch_revision)" >&2

# builds of earlier revisions, and the unpatched one (which scans on every lookup by _id), are outdated: remove them,
# so that nothing still runs them and their space is freed
for stale in "$cache_root/ferretdb-$version" "$cache_root/ferretdb-$version"-parley*; do
  if [[ -d "$stale" && "$stale" != "$cache_dir" ]]; then
    rm -rf "$stale"
    echo "removed the outdated build $stale" >&2
  fi
done
echo "$bin"
