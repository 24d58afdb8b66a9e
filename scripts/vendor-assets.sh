#!/usr/bin/env bash
# Vendors the browser libraries halfsky embeds (no CDN at run time):
# fetches pinned npm tarballs with the ordinary npm client, extracts only the
# minified bundles into internal/web/static/vendor/ (served by the binary)
# or e2e/vendor/ (embedded in the browser tests only: axe-core, the
# accessibility checker), and records what was taken in each folder's
# VERSIONS. The outputs are committed, so
# building the binary never needs the network; rerun this only to upgrade
# (change a pin below, run, review the diff, commit).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# package@version  file-inside-the-tarball  destination  (pins are exact: no ranges)
assets=(
  "htmx.org@2.0.11 package/dist/htmx.min.js internal/web/static/vendor"
  "echarts@5.6.0 package/dist/echarts.min.js internal/web/static/vendor"
  "axe-core@4.14.1 package/axe.min.js e2e/vendor"
)

work=$(mktemp -d /tmp/halfsky-vendor.XXXXXX)
trap 'rm -rf "$work"' EXIT

dests=()
for entry in "${assets[@]}"; do
  read -r _ _ dest <<<"$entry"
  [[ " ${dests[*]} " == *" $dest "* ]] || dests+=("$dest")
done
for dest in "${dests[@]}"; do
  mkdir -p "$dest" "$work/$dest"
  {
    echo "# Vendored browser libraries: written by scripts/vendor-assets.sh; do not edit."
    echo "# package version file sha256 npm-integrity license"
  } >"$work/$dest/VERSIONS"
done

for entry in "${assets[@]}"; do
  read -r spec inner dest <<<"$entry"
  name=${spec%@*}
  version=${spec##*@}
  echo "vendor: $spec"
  # npm pack checks the tarball against the registry's integrity hash.
  (cd "$work" && npm pack --silent --json "$spec" >pack.json)
  field() { node -e 'const m=require(process.argv[1]); process.stdout.write(String(m[0][process.argv[2]]))' "$work/pack.json" "$1"; }
  tarball=$(field filename)
  integrity=$(field integrity)
  got=$(field version)
  if [[ $got != "$version" ]]; then
    echo "vendor: asked for $spec, npm gave $got" >&2
    exit 1
  fi
  mkdir -p "$work/x"
  tar -xzf "$work/$tarball" -C "$work/x" "$inner" package/package.json
  license=$(node -e 'process.stdout.write(String(require(process.argv[1]).license||"unknown"))' "$work/x/package/package.json")
  file=$(basename "$inner")
  install -m 0644 "$work/x/$inner" "$dest/$file"
  sum=$(sha256sum "$dest/$file" | cut -d' ' -f1)
  echo "$name $version $file $sum $integrity $license" >>"$work/$dest/VERSIONS"
  rm -rf "$work/x"
done

for dest in "${dests[@]}"; do
  install -m 0644 "$work/$dest/VERSIONS" "$dest/VERSIONS"
  echo "vendor: wrote $dest/VERSIONS"
  cat "$dest/VERSIONS"
done
