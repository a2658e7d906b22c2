#!/usr/bin/env bash
# Benchmark `emtk mix --missing model` against scikit-learn's IterativeImputer, R's Amelia II and
# mice, and mean imputation (bench/README.md). Usage:
#   bench/mix_missing_vs_imputers.sh [options of bench/mix_missing_vs_imputers.py]
#   e.g. bench/mix_missing_vs_imputers.sh --scenarios mcar20 --peers emtk,iterative
#
# Installs the bench group through scripts/setup.sh (python3-sklearn, python3-numpy, r-cran-amelia,
# r-cran-mice, ...), builds emtk in Release if build/emtk does not exist (EMTK=/path/to/emtk to use
# another binary), then runs the Python driver under Debian's /usr/bin/python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"
bash scripts/setup.sh --deps-only bench
emtk="${EMTK:-$repo/build/emtk}"
if [[ -z ${EMTK:-} && ! -x $emtk ]]; then
  bash scripts/setup.sh --build-only
fi
exec /usr/bin/python3 "$here/mix_missing_vs_imputers.py" --emtk "$emtk" "$@"
