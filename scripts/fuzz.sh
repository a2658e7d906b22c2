#!/usr/bin/env bash
# Coverage-guided fuzzing of emtk's own input parsers, with AddressSanitizer and
# UndefinedBehaviorSanitizer. Targets (VCF/BCF and BAM/CRAM are parsed by htslib, not by us):
#   hmmer_read   HMMER3/f models (read, write back, read again, score)    fuzz/hmmer_read_fuzz.cpp
#   msa_read     Stockholm / aligned FASTA, built into a model            fuzz/msa_read_fuzz.cpp
#   depth_bed    mosdepth regions BED                                     fuzz/depth_bed_fuzz.cpp
#   windows_bed  BED of windows (emtk cov --by)                           fuzz/windows_bed_fuzz.cpp
#   table        numeric TSV (emtk mix)                                   fuzz/table_fuzz.cpp
#   seq_read     FASTA/FASTQ, plain or gzip, each alphabet                fuzz/seq_read_afl.cpp
# The first five are libFuzzer functions built with clang. SeqAn3 3.2 (the FASTA/FASTQ parser)
# does not build with clang, so seq_read is a program built with GCC through afl-g++ and run by
# afl-fuzz (AFL++; Debian's afl-gcc-fast plugin refuses Debian's GCC 12 build, hence afl-g++).
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, all targets)
#
# Builds in build-fuzz/ (git-ignored), seeds each corpus from HMMER's test-suite files (hmmer-examples)
# and small inputs written by this script,
# keeps the corpora in build-fuzz/corpus/TARGET, and exits 1 if a target finds a crash (the input
# is left as build-fuzz/crash-* / timeout-*, or under build-fuzz/afl/out/default/{crashes,hangs}
# for seq_read).
# Installs clang, libclang-rt-14-dev, libomp-14-dev and afl++ when missing.
# Not part of the test suite: fuzzing is open-ended; run it after changing a reader.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(hmmer_read msa_read depth_bed windows_bed table seq_read)

need=()
for p in clang libclang-rt-14-dev libomp-14-dev zlib1g-dev libbz2-dev afl++; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if ((${#need[@]})); then
  sudo=""; ((EUID == 0)) || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${need[@]}" >&2
fi

out="$repo/build-fuzz"
mkdir -p "$out/obj" "$out/corpus"
cxx="${CXX_FUZZ:-clang++}"
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fopenmp -fsanitize=address,undefined
       -fno-sanitize-recover=undefined -Wno-pass-failed -I"$repo/include" -I"$repo/src")

# The library sources: every module the readers reach, except the SeqAn3 translation unit.
mapfile -t sources < <(cd "$repo" && ls src/util/*.cpp src/em/*.cpp src/seq/*.cpp src/hmm/*.cpp src/cov/*.cpp \
                         | grep -v -e src/seq/stream_reader.cpp -e src/cov/bam_depth.cpp)
objs=()
for s in "${sources[@]}"; do
  o="$out/obj/$(echo "$s" | tr / _).o"
  if [[ ! -f $o || $repo/$s -nt $o ]]; then
    echo "compile $s" >&2
    "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$repo/$s" -o "$o"
  fi
  objs+=("$o")
done
rm -f "$out/libemtk_fuzz.a"
ar qc "$out/libemtk_fuzz.a" "${objs[@]}"

ex=/usr/share/doc/hmmer/examples
seed() { # seed the corpus of target $1 (once): HMMER's test-suite files when hmmer-examples is installed,
         # and a few small inputs written here
  local c="$out/corpus/$1" f
  mkdir -p "$c"
  [[ -z $(ls -A "$c") ]] || return 0
  case $1 in
    hmmer_read) for f in "$ex"/testsuite/*.hmm "$ex"/testsuite/*.hmm.gz "$repo"/models/*.hmm; do
                  [[ -f $f ]] || continue
                  if [[ $f == *.gz ]]; then zcat "$f" >"$c/$(basename "$f" .gz)"; else cp "$f" "$c/"; fi
                done ;;
    msa_read) for f in "$ex"/testsuite/*.sto "$ex"/testsuite/*.afa "$ex"/testsuite/*.sto.gz; do
                [[ -f $f ]] || continue
                if [[ $f == *.gz ]]; then zcat "$f" >"$c/$(basename "$f" .gz)"; else cp "$f" "$c/"; fi
              done
              printf '>a\nAC-GT\n>b\nACCGT\n' >"$c/tiny.afa"
              printf '# STOCKHOLM 1.0\n#=GF ID x\na ACD-EF\nb AC-GEF\n#=GC RF xx.xxx\n\na GH\nb GH\n//\n' >"$c/tiny.sto" ;;
    depth_bed) printf 'chr1\t0\t1000\t12.5\nchr1\t1000\t2000\t0\nchr2\t0\t500\t3.25\n' >"$c/a.bed"
               printf '#chrom\tstart\tend\tname\tmean\nchrX\t0\t100\tw1\t1e2\n' >"$c/b.bed" ;;
    windows_bed) printf 'chr1\t0\t1000\nchr1\t500\t2500\tname\nchr2\t100\t5000\n' >"$c/a.bed"
                 printf 'track name=x\n# c\nchr2\t0\t10\n' >"$c/b.bed" ;;
    table) printf 'x\ty\n1.5\t2\n-3e-2\t4\n# comment\n7\t8\n' >"$c/a.tsv"
           printf '1\t2\t3\n4\t5\t6\n' >"$c/b.tsv" ;;
  esac
}

# seq_read: GCC + afl-g++, the library's seq and util sources with the SeqAn3 flags of CMakeLists.txt.
run_seq_read() {
  local a="$out/afl" s o objs=()
  mkdir -p "$a/obj" "$a/in"
  for s in src/seq/*.cpp src/util/*.cpp fuzz/seq_read_afl.cpp; do
    o="$a/obj/$(echo "$s" | tr / _).o"
    if [[ ! -f $o || $repo/$s -nt $o ]]; then
      echo "compile $s (afl-g++)" >&2
      AFL_QUIET=1 afl-g++ -std=c++20 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
        -fopenmp -DSEQAN3_HAS_BZIP2=1 -DSEQAN3_HAS_ZLIB=1 -I"$repo/include" -I"$repo/src" \
        -isystem /usr/include/seqan3/submodules/sdsl-lite/include -c "$repo/$s" -o "$o" 2> >(grep -v outdated >&2)
    fi
    objs+=("$o")
  done
  AFL_QUIET=1 afl-g++ -fsanitize=address,undefined -fopenmp "${objs[@]}" -lz -lbz2 -o "$a/seq_read_afl" \
    2> >(grep -v outdated >&2)
  if [[ -z $(ls -A "$a/in") ]]; then
    printf '>s1 desc\nACDEFGHIKLMNPQRSTVWY*\n>s2\nacdxBZJ\n' >"$a/in/a.fa"
    printf '@r1\nACGTNRYacgt\n+\nIIIIIIIIIII\n@r2\nACGU\n+\n!!!!\n' >"$a/in/b.fq"
    printf '>d\nACGTTGCA\nACG\n>e\nUUAGC\n' >"$a/in/c.fa"
    printf '>x\nMKV\n' | gzip -n >"$a/in/d.fa.gz"
  fi
  local input="$a/in"
  [[ -d $a/out/default/queue ]] && input=- # resume the previous session's queue
  echo "== seq_read: afl-fuzz, $seconds s" >&2
  AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    afl-fuzz -i "$input" -o "$a/out" -m none -t 2000 -V "$seconds" -- "$a/seq_read_afl" @@ >"$out/seq_read.log" 2>&1 || true
  grep -E 'saved_crashes|saved_hangs|execs_done' "$a/out/default/fuzzer_stats" >&2 || true
  # A seed that crashes is skipped by afl-fuzz with a warning: count it as a crash too.
  if [[ -n $(ls "$a/out/default/crashes" "$a/out/default/hangs" 2>/dev/null | grep -v -e README -e '^$' -e ':$') ]] ||
     grep -q 'results in a crash' "$out/seq_read.log"; then
    echo "seq_read: FOUND A PROBLEM, see $out/seq_read.log and $a/out/default/{crashes,hangs}" >&2
    return 1
  fi
}

status=0
for t in "${targets[@]}"; do
  if [[ $t == seq_read ]]; then
    (cd "$repo" && run_seq_read) || status=1
    continue
  fi
  bin="$out/${t}_fuzz"
  "$cxx" "${flags[@]}" -fsanitize=fuzzer "$repo/fuzz/${t}_fuzz.cpp" "$out/libemtk_fuzz.a" -lz -o "$bin"
  corpus="$out/corpus/$t"
  seed "$t"
  echo "== $t: $(ls "$corpus" | wc -l) corpus files, $seconds s" >&2
  if ! (cd "$out" && UBSAN_OPTIONS=print_stacktrace=1 "$bin" -max_total_time="$seconds" -max_len=131072 \
          -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 "$corpus" 2>"$out/$t.log"); then
    echo "$t: FOUND A PROBLEM, see $out/$t.log and $out/crash-* / timeout-* / oom-*" >&2
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^#[0-9]+ +DONE' "$out/$t.log" >&2 || true
done
exit $status
