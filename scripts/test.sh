#!/usr/bin/env bash
# The README's second command: install what is needed, build with warnings as errors, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
