#!/usr/bin/env bash
# Every command shown in README.md and docs/*.md runs and prints what the docs show
# (test/docs/docs_commands.py explains how the blocks are marked).
#
#   bash test/docs/docs_commands_test.sh build/emtk [FILE.md ...]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
EMTK=${1:?usage: docs_commands_test.sh path/to/emtk [FILE.md ...]}
shift
# Debian's python3 (the docs' commands use the standard library only).
for py in /usr/bin/python3 python3; do
  if command -v "$py" >/dev/null 2>&1; then
    exec "$py" "$HERE/docs_commands.py" "$EMTK" "$ROOT" "$@"
  fi
done
echo "ok - docs commands # SKIP python3 not installed"
exit 77
