#!/usr/bin/env bash
# Builds the local Go vulnerability database that govulncheck reads
# (scripts/lint.sh: `go run ./scripts/vulncheck -db DIR`) and prints its
# directory. Only the Go module proxy is needed: the reports come from the
# module golang.org/x/vulndb at the version below (its data/osv), and
# scripts/vulnindex writes the v1 layout (index/db.json, index/modules.json,
# index/vulns.json, ID/GO-*.json) that `govulncheck -db file://DIR` reads.
#
# It is built once per version into the cache (HALFSKY_VULNDB_CACHE, else
# ${XDG_CACHE_HOME:-$HOME/.cache}/halfsky/vulndb/VERSION), older versions
# removed; with the cache warm this only checks that a file exists. Cold it
# downloads the module (about 90 MB unpacked into the module cache) and
# indexes its ~4,800 entries: a few seconds. To take newer reports, set version to a newer
# golang.org/x/vulndb pseudo-version the proxy serves.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=v0.0.0-20261105234957-e22db6528018
cache=${HALFSKY_VULNDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/halfsky/vulndb}
db=$cache/$version

if [[ -f $db/index/modules.json ]]; then
  echo "$db"
  exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "vulndb: building the database of golang.org/x/vulndb@$version into $db" >&2
# Outside the module, so that go.mod and go.sum are left alone.
info=$(cd "$tmp" && go mod download -json "golang.org/x/vulndb@$version")
field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" <<<"$info"; }
dir=$(field Dir)
infofile=$(field Info)
# The module version's commit time stands for the database's modification
# time (its entries carry none).
modified=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$infofile")
if [[ -z $dir || -z $modified ]]; then
  echo "vulndb: go mod download printed no Dir or Time:" >&2
  echo "$info" >&2
  exit 1
fi
go run ./scripts/vulnindex -osv "$dir/data/osv" -out "$tmp/db" -modified "$modified" >&2
mv "$tmp/db" "$db"
# Earlier versions' databases are of no more use.
find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'v*' ! -name "$version" -exec rm -rf {} +
echo "$db"
