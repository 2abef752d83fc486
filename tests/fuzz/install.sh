#!/usr/bin/env bash
# Installs the pinned schemathesis into a virtual environment under target/ (PyPI, by
# pip), unless that version is there already. Used by .ci/test and by run.sh.
# Needs python3 with its venv module (Debian's python3-venv; .ci/test installs it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Pinned: the CLI's options (`--seed`, `--checks`, the phases) change between releases.
SCHEMATHESIS_VERSION=4.32.5
VENV="${FUZZ_VENV:-$ROOT/target/fuzz-venv}"

if [[ -x "$VENV/bin/st" ]] && "$VENV/bin/st" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
  exit 0
fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
"$VENV/bin/st" --version
