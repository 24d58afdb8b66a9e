#!/usr/bin/env bash
# Installs the Debian packages the tests need, only when missing.
# CI runs on a machine that may be fresh, so the project must install its own
# services; when everything is already there this must take well under a second.
set -euo pipefail

# Each entry: "package:path-that-proves-it-is-installed" (path may be empty,
# then dpkg's status is checked). A path check is the fastest and also catches
# a package that is "installed" but whose files were removed.
wanted=(
  "postgresql-15:/usr/lib/postgresql/15/bin/initdb"
  "postgresql-client-15:/usr/lib/postgresql/15/bin/psql"
  "chromium:/usr/bin/chromium"
  "fonts-noto-cjk:"          # Chinese glyphs in Chromium screenshots and PDFs
  "fonts-arphic-gkai00mp:"   # "AR PL KaitiM GB": the 楷体 fallback named in DESIGN.md
  "poppler-utils:/usr/bin/pdftotext"
  # The cluster drill (scripts/cluster.sh, internal/cluster): automatic
  # failover and the load balancer in front of the halfsky processes.
  "postgresql-15-auto-failover:/usr/bin/pg_autoctl"
  "haproxy:/usr/sbin/haproxy"
)

missing=()
for entry in "${wanted[@]}"; do
  pkg=${entry%%:*}
  path=${entry#*:}
  if [[ -n $path ]]; then
    [[ -x $path ]] && continue
  elif [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]]; then
    continue
  fi
  missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "deps: all present"
  exit 0
fi

if ((EUID != 0)); then
  echo "deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends keeps the install small; Chromium runs headless
# without its recommends (the tests pass --no-sandbox as root, so
# chromium-sandbox is not needed).
apt-get install -y -qq --no-install-recommends "${missing[@]}"
