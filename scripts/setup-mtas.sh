#!/usr/bin/env bash
# Unpacks Debian's Exim 4 and OpenSMTPD into
# .cache/mtas/root, for the bounce tests that run a private instance of each on 127.0.0.1.
# They are not installed: each package provides mail-transport-agent and conflicts with the
# Postfix the other tests use. `apt-get download` + `dpkg-deb -x`; the unpacked tree is kept
# (git-ignored) and redone only when a package version changes. Also creates the system users
# the binaries look up by name at start (Debian-exim, opensmtpd, opensmtpq) and the empty
# directories OpenSMTPD's paths are bind-mounted on. Needs root; skipped quietly otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "setup-mtas: not root, the Exim and OpenSMTPD bounce tests will be skipped"; exit 0; }
cache=.cache/mtas
packages=(exim4-daemon-light opensmtpd)
mkdir -p "$cache/debs"
wanted=""
for p in "${packages[@]}"; do wanted+="$p=$(apt-cache policy "$p" | awk '/Candidate:/ {print $2}') "; done
if [ ! -x "$cache/root/usr/sbin/exim4" ] || [ ! -x "$cache/root/usr/sbin/smtpd" ] || [ "$(cat "$cache/versions" 2>/dev/null)" != "$wanted" ]; then
  rm -rf "$cache/root" "$cache/debs"/*.deb
  # apt's sandbox user cannot write into the work tree: download in a temporary directory.
  tmp=$(mktemp -d)
  chmod 0777 "$tmp"
  (cd "$tmp" && apt-get download -qq "${packages[@]}")
  mv "$tmp"/*.deb "$cache/debs/"
  rmdir "$tmp"
  for deb in "$cache"/debs/*.deb; do dpkg-deb -x "$deb" "$cache/root"; done
  echo "$wanted" > "$cache/versions"
fi
getent group Debian-exim >/dev/null || groupadd --system Debian-exim
id Debian-exim >/dev/null 2>&1 || useradd --system --gid Debian-exim --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin Debian-exim
for u in opensmtpd opensmtpq; do
  id "$u" >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
done
# OpenSMTPD's spool, socket and privsep paths are compiled in: the tests bind-mount private
# directories on these, in a mount namespace of their own.
mkdir -p /var/lib/opensmtpd/empty /usr/libexec/opensmtpd /var/spool/smtpd
