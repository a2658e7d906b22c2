# shellcheck shell=bash
# Helpers shared by the CLI tests (test/cli/*_test.sh); sourced, not run.
#
# A test script calls `t_init "$1"` (the emtk binary), runs checks, and ends with `t_summary`.
# Every check prints one line, "ok - ..." or "not ok - ..." followed by the evidence as "#   "
# lines; t_summary prints "N passed, M failed" and exits 1 when anything failed.
#
# Tools: bash, coreutils, awk (mawk or gawk: POSIX awk only), grep, sed, gzip. The JSON checks rely
# on emtk's JSON writer printing one member per line with two spaces per level; a change of that
# layout makes the checks fail loudly rather than pass silently.

T_PASS=0
T_FAIL=0
T_DONE=0
RC=0

t_init() {
  if [[ $# -lt 1 || ! -x $1 ]]; then
    echo "not ok - emtk binary '${1:-}' is missing or not executable"
    echo "0 passed, 1 failed"
    exit 1
  fi
  # shellcheck disable=SC2034 # used by the test scripts
  EMTK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/emtk-cli.XXXXXX")
  CAP=$WORK/_capture
  mkdir "$CAP"
  trap t_exit EXIT
  cd "$WORK" || exit 1
}

t_exit() {
  local status=$?
  cd /
  rm -rf "$WORK"
  if [[ $T_DONE -eq 0 ]]; then
    T_FAIL=$((T_FAIL + 1))
    echo "not ok - the test script stopped early (exit status $status, set -e in a helper?)"
    echo "$T_PASS passed, $T_FAIL failed"
    exit 1
  fi
}

t_summary() {
  T_DONE=1
  echo "$T_PASS passed, $T_FAIL failed"
  [[ $T_FAIL -eq 0 ]] || exit 1
  exit 0
}

ok() {
  T_PASS=$((T_PASS + 1))
  printf 'ok - %s\n' "$1"
}

# not_ok DESC [EVIDENCE...]: each evidence argument may hold several lines.
not_ok() {
  T_FAIL=$((T_FAIL + 1))
  printf 'not ok - %s\n' "$1"
  shift
  local e
  for e in "$@"; do
    printf '%s\n' "$e" | head -n 40 | sed 's/^/#   /'
  done
}

# What the last `run` did, for the evidence of a failed check.
last_run() {
  printf 'exit status: %s\nstderr:\n%s\nstdout (first lines):\n%s' "$RC" "$(cat "$CAP/err")" "$(head -n 5 "$CAP/out")"
}

# run CMD...: runs with stdin from /dev/null; sets RC, stdout in $CAP/out, stderr in $CAP/err.
run() {
  RC=0
  "$@" </dev/null >"$CAP/out" 2>"$CAP/err" || RC=$?
}

# run_in FILE CMD...: the same with stdin from FILE.
run_in() {
  local in=$1
  shift
  RC=0
  "$@" <"$in" >"$CAP/out" 2>"$CAP/err" || RC=$?
}

out_file() { printf '%s' "$CAP/out"; }
err_file() { printf '%s' "$CAP/err"; }

# check DESC CMD...: ok when CMD succeeds.
check() {
  local desc=$1
  shift
  if "$@"; then ok "$desc"; else not_ok "$desc" "failed: $*"; fi
}

# check_eq DESC ACTUAL EXPECTED
check_eq() {
  if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1" "expected: $3" "actual:   $2"; fi
}

# check_status DESC WANT: the last run's exit status.
check_status() {
  if [[ $RC -eq $2 ]]; then ok "$1"; else not_ok "$1" "expected exit status $2" "$(last_run)"; fi
}

# check_stderr_empty DESC
check_stderr_empty() {
  if [[ ! -s $CAP/err ]]; then ok "$1"; else not_ok "$1" "stderr: $(cat "$CAP/err")"; fi
}

# check_stderr_is DESC LINE: stderr is exactly LINE and a newline.
check_stderr_is() {
  if printf '%s\n' "$2" | cmp -s - "$CAP/err"; then
    ok "$1"
  else
    not_ok "$1" "expected stderr: $2" "actual stderr:   $(cat "$CAP/err")" "(exit status $RC)"
  fi
}

# check_stderr_one_line_starting DESC PREFIX [SUBSTRING...]: one line, starting with PREFIX, holding
# each SUBSTRING (for messages written by SeqAn's argument parser, whose wording is SeqAn's).
check_stderr_one_line_starting() {
  local desc=$1 prefix=$2 s good=1
  shift 2
  [[ $(wc -l <"$CAP/err") -eq 1 ]] || good=0
  [[ $(head -n 1 "$CAP/err") == "$prefix"* ]] || good=0
  for s in "$@"; do
    grep -qF -- "$s" "$CAP/err" || good=0
  done
  if [[ $good -eq 1 ]]; then
    ok "$desc"
  else
    not_ok "$desc" "expected one line starting with '$prefix' and holding: $*" "actual stderr: $(cat "$CAP/err")"
  fi
}

# check_same_file DESC A B
check_same_file() {
  if [[ -f $2 && -f $3 ]] && cmp -s "$2" "$3"; then
    ok "$1"
  else
    not_ok "$1" "$2 and $3 differ (or one is missing):" "$(diff "$2" "$3" 2>&1 | head -n 10)"
  fi
}

# files_like PREFIX: the names in PREFIX's directory that contain PREFIX's base name.
files_like() {
  local dir base f
  dir=$(dirname "$1")
  base=$(basename "$1")
  for f in "$dir"/*"$base"* "$dir"/.*"$base"*; do
    [[ -e $f ]] && printf '%s ' "${f##*/}"
  done
  return 0
}

# no_outputs PREFIX [EXTRA_FILE...]: true when neither PREFIX.tsv nor PREFIX.json (nor the extra
# files) exist and no temporary file .BASE.*.tmp.* is left in PREFIX's directory.
no_outputs() {
  local prefix=$1 f
  shift
  local dir base
  dir=$(dirname "$prefix")
  base=$(basename "$prefix")
  for f in "$prefix.tsv" "$prefix.json" "$@"; do
    [[ ! -e $f ]] || return 1
  done
  if [[ -d $dir ]] && compgen -G "$dir/.$base.*.tmp.*" >/dev/null; then
    return 1
  fi
  for f in "$@"; do
    if [[ -d $(dirname "$f") ]] && compgen -G "$(dirname "$f")/.$(basename "$f").tmp.*" >/dev/null; then
      return 1
    fi
  done
  return 0
}

# check_no_outputs DESC PREFIX [EXTRA_FILE...]
check_no_outputs() {
  local desc=$1
  shift
  if no_outputs "$@"; then
    ok "$desc"
  else
    not_ok "$desc" "left behind: $(files_like "$1")"
  fi
}

# expect_error DESC STATUS EXPECTED_STDERR_LINE PREFIX CMD...: a failing run must exit with STATUS,
# print exactly one line (EXPECTED_STDERR_LINE) on stderr, nothing on stdout, and leave no output
# for PREFIX. Three checks.
expect_error() {
  local desc=$1 status=$2 line=$3 prefix=$4
  shift 4
  run "$@"
  check_status "$desc: exit status $status" "$status"
  check_stderr_is "$desc: message" "$line"
  if [[ ! -s $CAP/out ]] && no_outputs "$prefix"; then
    ok "$desc: no output files, nothing on stdout"
  else
    not_ok "$desc: no output files, nothing on stdout" \
      "stdout: $(head -n 3 "$CAP/out")" \
      "files: $(files_like "$prefix")"
  fi
}

# ---- numbers -------------------------------------------------------------------------------------

# awk_true EXPR [VAR=VALUE...]: evaluates an awk expression.
awk_true() {
  local expr=$1
  shift
  local args=() a
  for a in "$@"; do args+=(-v "$a"); done
  awk "${args[@]}" "BEGIN { exit !($expr) }"
}

# ---- JSON (emtk's pretty-printed layout) ----------------------------------------------------------

# json_top FILE KEY: the raw value of a top-level member written on one line (no trailing comma).
json_top() {
  awk -v k="$2" 'index($0, "  \"" k "\": ") == 1 {
    v = substr($0, length(k) + 7); sub(/,$/, "", v); print v; found = 1; exit
  } END { exit !found }' "$1"
}

# json_section FILE KEY: the lines of a top-level array or object member, from its opening line to
# its closing bracket.
json_section() {
  awk -v k="$2" 'index($0, "  \"" k "\": ") == 1 { on = 1 }
    on { print }
    on && /^  []}],?$/ { exit }' "$1"
}

# json_values KEY: reads JSON lines on stdin, prints the value of every member KEY at any depth.
json_values() {
  awk -v k="$1" '{ line = $0; sub(/^ +/, "", line) }
    index(line, "\"" k "\": ") == 1 { v = substr(line, length(k) + 5); sub(/,$/, "", v); print v }'
}

# json_strip_run FILE: the document without its last member "run" (command line, threads, timings).
json_strip_run() {
  awk '/^  "run": \{$/ { exit } { print }' "$1"
}

# json_run_is_last FILE: "run" is a top-level object and no top-level member follows it.
json_run_is_last() {
  awk '/^  "run": \{$/ { found = 1; next }
    found && /^  "/ { after = 1 }
    { last = $0 }
    END { exit !(found && !after && last == "}") }' "$1"
}

# json_valid FILE: parses with python3's json module when python3 is there (status 2 when not).
json_python() {
  local py
  for py in /usr/bin/python3 python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import json' >/dev/null 2>&1; then
      printf '%s' "$py"
      return 0
    fi
  done
  return 1
}

# check_json_parses DESC FILE: skipped (not counted) without python3.
check_json_parses() {
  local py
  if ! py=$(json_python); then
    printf 'ok - %s # SKIP python3 not installed\n' "$1"
    return 0
  fi
  local msg
  if msg=$("$py" -c 'import json, sys; json.load(open(sys.argv[1]))' "$2" 2>&1); then
    ok "$1"
  else
    not_ok "$1" "$msg"
  fi
}

# ---- emtk mix's TSV -------------------------------------------------------------------------------

# tsv_check FILE K N: prints nothing when FILE is a valid posterior table for K components and N
# rows (header, row numbers 1..N, component in 1..K and the argmax, posterior = its p, p's summing
# to 1), else the first problem.
tsv_check() {
  awk -F'\t' -v K="$2" -v N="$3" '
    function bad(msg) { print "line " NR ": " msg ": " $0; failed = 1; exit }
    NR == 1 {
      want = "row\tcomponent\tposterior"
      for (j = 1; j <= K; j++) want = want "\tp" j
      if ($0 != want) bad("header is not row<TAB>component<TAB>posterior<TAB>p1..p" K)
      next
    }
    {
      if (NF != 3 + K) bad("expected " (3 + K) " fields")
      if ($1 != NR - 1) bad("row number is not " (NR - 1))
      c = $2 + 0
      if (c < 1 || c > K || c != int(c)) bad("component out of 1.." K)
      s = 0
      for (j = 1; j <= K; j++) {
        p = $(3 + j) + 0
        if (p < 0 || p > 1) bad("posterior out of [0, 1]")
        if (p > $(3 + c) + 0) bad("component is not the most probable one")
        s += p
      }
      if ($3 + 0 != $(3 + c) + 0) bad("posterior differs from p" c)
      if (s < 1 - 1e-4 || s > 1 + 1e-4) bad("posteriors sum to " s)
    }
    END {
      if (failed) exit 1
      if (NR != N + 1) { print "expected " (N + 1) " lines, found " NR; exit 1 }
    }' "$1"
}

# check_tsv DESC FILE K N
check_tsv() {
  local msg
  if [[ ! -f $2 ]]; then
    not_ok "$1" "$2 does not exist"
  elif msg=$(tsv_check "$2" "$3" "$4"); then
    ok "$1"
  else
    not_ok "$1" "$msg"
  fi
}

# t_protein_family N LEN SEED [FLANKS]: N amino-acid sequences descended from one random ancestor of
# LEN residues (15% substitutions, 3% one-residue deletions, 3% one-residue insertions), FASTA on
# stdout, named "seqI member I". FLANKS=1 puts (I mod 4)·3 random residues before sequence I.
t_protein_family() {
  awk -v n="$1" -v len="$2" -v seed="$3" -v flanks="${4:-0}" 'BEGIN {
    srand(seed); aa = "ACDEFGHIKLMNPQRSTVWY"
    for (i = 1; i <= len; i++) anc = anc substr(aa, int(rand() * 20) + 1, 1)
    for (s = 1; s <= n; s++) {
      out = ""
      for (i = 1; i <= len; i++) {
        if (rand() < 0.03) continue
        c = substr(anc, i, 1)
        if (rand() < 0.15) c = substr(aa, int(rand() * 20) + 1, 1)
        out = out c
        if (rand() < 0.03) out = out substr(aa, int(rand() * 20) + 1, 1)
      }
      flank = ""
      if (flanks) for (i = 1; i <= (s % 4) * 3; i++) flank = flank substr(aa, int(rand() * 20) + 1, 1)
      printf ">seq%d member %d\n%s%s\n", s, s, flank, out
    }
  }'
}
