#!/usr/bin/env bash
# The README's first command: install what is needed, build, and run the main job on the embedded
# defaults in a temporary working directory (SQLite register, outbox Maildir instead of a relay).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -Xswiftc -warnings-as-errors
bm=".build/debug/breachmail"
work="$(mktemp -d /tmp/breachmail-demo.XXXXXX)"
export BREACHMAIL_DIR="$work" BREACHMAIL_SHARE="$PWD" BREACHMAIL_ACTOR="demo-dpo"
# The example incident was discovered on 2026-10-23 at 10:00; the demo runs 30 hours later.
export BREACHMAIL_NOW="2026-10-24T16:00:00+02:00"
step() { printf '\n\033[1m$ breachmail %s\033[0m\n' "$*"; "$bm" "$@"; }

step init "$work"
step incident open Config/examples/incident.yaml
step incident list
step incident assess BR-2026-0001 --answers Config/examples/assessment.yaml --confirm
step status BR-2026-0001
step register verify
step register export --format html --output "$work/register.html"
echo
echo "Demo working directory: $work (register.html is the register as a report)"
