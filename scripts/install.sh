#!/usr/bin/env bash
# Installs breachmail under PREFIX: the binary in PREFIX/bin, Config/ and Templates/ in
# PREFIX/share/breachmail (found by the binary relative to itself), the commit it was built from,
# shell completions (bash, zsh, fish) and the man pages made by swift-argument-parser's tools.
#
#   scripts/install.sh PREFIX              e.g. scripts/install.sh /usr/local  or  scripts/install.sh ~/.local
#   BREACHMAIL_BUILD=debug scripts/install.sh PREFIX   (installs the debug build, for trying things out)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: scripts/install.sh PREFIX" >&2; exit 64; }
prefix=$1
mkdir -p "$prefix" || { echo "cannot create $prefix: choose a folder you may write to, or run as root" >&2; exit 73; }
prefix=$(cd "$prefix" && pwd)
config=${BREACHMAIL_BUILD:-release}
case "$config" in release|debug) ;; *) echo "BREACHMAIL_BUILD must be release or debug" >&2; exit 64 ;; esac

scripts/setup.sh
if [ "$config" = release ]; then
    bin=$(scripts/build-release.sh)
else
    swift build -c debug --product breachmail >/dev/null
    bin="$(swift build -c debug --show-bin-path)/breachmail"
fi

share="$prefix/share/breachmail"
install -d -m 0755 "$prefix/bin" "$share" "$prefix/share/man/man1" \
    "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 0755 "$bin" "$prefix/bin/breachmail"
rm -rf "$share/Config" "$share/Templates"
cp -R Config Templates "$share/"
chmod -R u=rwX,go=rX "$share"
git rev-parse HEAD 2>/dev/null > "$share/commit" || rm -f "$share/commit"

"$prefix/bin/breachmail" --generate-completion-script bash > "$prefix/share/bash-completion/completions/breachmail"
"$prefix/bin/breachmail" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_breachmail"
"$prefix/bin/breachmail" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/breachmail.fish"

# The man pages: swift-argument-parser's generate-manual plugin, one page per command.
manuals=$(mktemp -d)
trap 'rm -rf "$manuals"' EXIT
swift package --allow-writing-to-directory "$manuals" generate-manual --multi-page --output-directory "$manuals" >/dev/null
find "$manuals" -name '*.1' -exec install -m 0644 {} "$prefix/share/man/man1/" \;

echo "Installed breachmail $("$prefix/bin/breachmail" --version) in $prefix"
echo "  $prefix/bin/breachmail"
echo "  $share/{Config,Templates}"
echo "  man pages in $prefix/share/man/man1 ($(ls "$prefix/share/man/man1" | grep -c '^breachmail') pages), completions for bash, zsh and fish"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "Add $prefix/bin to your PATH." ;; esac
