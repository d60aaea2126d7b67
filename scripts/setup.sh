#!/usr/bin/env bash
# Installs the Debian packages listed in .ci/packages*.txt (only those missing). Debian 12 with Swift.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t packages < <(cat .ci/packages*.txt | sed 's/#.*//' | awk 'NF' | sort -u)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing: ${missing[*]}"
  # postfix is here for its smtp-sink and for tests that start a private instance: no system mail set-up.
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections 2>/dev/null || true
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
scripts/setup-mtas.sh
command -v swift >/dev/null || { echo "swift is not on PATH: install Swift 6.1 or later (https://swift.org/install)"; exit 1; }
