#!/usr/bin/env bash
# What a user and a C++ developer do with an emtk build (label "install"):
#   1. cmake --install into a temporary prefix; the expected files are there, `emtk --version`
#      runs and agrees with the CMake package and CITATION.cff; `man emtk-mix` renders.
#   2. test/install/consumer/ (find_package(emtk)) configures and builds against that prefix; one
#      program fits a 2-component Gaussian mixture through emtk::mix and recovers the parameters,
#      another links seq, hmm, cov and geno and runs code that reaches SeqAn 3's streams and htslib.
#   3. The same consumer with emtk as a subproject (add_subdirectory) configures with emtk's tests,
#      benchmarks and install rules off.
#   4. cpack -G DEB builds emtk and emtk-dev; dpkg-deb --info/--contents show the expected fields
#      and files; both install with dpkg --root into a scratch root, where `emtk --version` runs and
#      the consumer finds the package.
# Everything happens in a temporary directory that is removed at exit.
#
# usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
# With pipefail, `cmd | grep -q` fails at random: grep -q exits at the first match and cmd may then
# die of SIGPIPE. Pipelines into grep below read the whole input (grep PATTERN >/dev/null).
build=$(cd "${1:?usage: install_test.sh BUILD_DIR SOURCE_DIR}" && pwd)
src=$(cd "${2:?usage: install_test.sh BUILD_DIR SOURCE_DIR}" && pwd)
consumer=$src/test/install/consumer
tmp=$(mktemp -d "${TMPDIR:-/tmp}/emtk_install_test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() { echo "install_test: FAIL: $*" >&2; exit 1; }
step() { printf '\n--- %s\n' "$*"; }
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "no project version in $build/CMakeCache.txt"
grep -qx "version: $version" "$src/CITATION.cff" || fail "CITATION.cff does not give version $version"
grep -q "^## \[$version\]" "$src/CHANGELOG.md" || fail "CHANGELOG.md has no section for $version"

step "cmake --install $build --prefix PREFIX"
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log"
for f in bin/emtk share/man/man1/emtk.1 share/man/man1/emtk-mix.1 share/man/man1/emtk-hmm-train.1 \
         share/man/man1/emtk-cov.1 share/man/man1/emtk-impute.1 share/doc/emtk/LICENSE \
         share/doc/emtk/CITATION.cff include/emtk/version.hpp include/emtk/mix/mixture.hpp \
         include/emtk/em/fit.hpp lib/cmake/emtk/emtkConfig.cmake lib/cmake/emtk/emtkConfigVersion.cmake \
         lib/cmake/emtk/emtkTargets.cmake; do
  [[ -f $prefix/$f ]] || fail "cmake --install did not install $f"
done
for m in util em mix seq hmm cov geno; do
  [[ -f $prefix/lib/libemtk_$m.a ]] || fail "cmake --install did not install lib/libemtk_$m.a"
  grep -q "emtk::$m" "$prefix/lib/cmake/emtk/emtkTargets.cmake" || fail "no target emtk::$m exported"
done
# Every command has a page (the list of subcommands from the argument parser's error message).
cmds=$({ "$prefix/bin/emtk" _ 2>&1 || true; } | sed -n 's/.*one of \[\([^]]*\)\].*/\1/p' | tr , ' ')
[[ -n $cmds ]] || fail "emtk without arguments lists no subcommands"
for cmd in $cmds; do
  [[ -f $prefix/share/man/man1/emtk-$cmd.1 ]] || fail "no man page for emtk $cmd"
done
# Nothing of the build tree leaks into the installed package.
if grep -rq -- "$build\|$src" "$prefix/lib/cmake/emtk"; then
  fail "the installed CMake package names the build or source tree"
fi
out=$("$prefix/bin/emtk" --version)
[[ $out == "emtk $version "* ]] || fail "installed emtk --version printed '$out'"
"$prefix/bin/emtk" --copyright | grep "Copyright (c) .* The emtk developers" >/dev/null ||
  fail "emtk --copyright does not print the license"
page=$(MANPATH=$prefix/share/man MANWIDTH=80 man emtk-mix 2>"$tmp/man.err") ||
  fail "man emtk-mix failed: $(cat "$tmp/man.err")"
grep -q "emtk-mix  *- fit a finite mixture" <<<"$page" || fail "man emtk-mix does not show the NAME section"
grep -q -- "--k-range" <<<"$page" || fail "man emtk-mix does not show the options"
man -l "$prefix/share/man/man1/emtk-hmm-train.1" 2>/dev/null | grep "emtk-hmm-train" >/dev/null ||
  fail "man -l emtk-hmm-train.1 does not render"
echo "installed $(find "$prefix" -type f | wc -l) files; emtk --version: $out"

step "consumer project: find_package(emtk) from PREFIX, fit a Gaussian mixture"
cmake -S "$consumer" -B "$tmp/consumer" "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/consumer.log" 2>&1 || { cat "$tmp/consumer.log"; fail "consumer configure"; }
grep -q "emtk $version from $prefix/lib/cmake/emtk" "$tmp/consumer.log" || { cat "$tmp/consumer.log"; fail "consumer did not find emtk $version in PREFIX"; }
cmake --build "$tmp/consumer" >"$tmp/consumer-build.log" 2>&1 || { cat "$tmp/consumer-build.log"; fail "consumer build"; }
"$tmp/consumer/fit_two_gaussians" || fail "the consumer's fit did not recover the parameters"
mkdir "$tmp/scratch"
"$tmp/consumer/link_modules" "$tmp/scratch" || fail "the consumer linking seq, hmm, cov and geno failed"

step "consumer project with emtk as a subproject (add_subdirectory): tests and install rules off"
cmake -S "$consumer" -B "$tmp/sub" "${generator[@]}" -DEMTK_SOURCE_DIR="$src" >"$tmp/sub.log" 2>&1 ||
  { cat "$tmp/sub.log"; fail "subproject configure"; }
for v in EMTK_BUILD_TESTS EMTK_BUILD_BENCH EMTK_INSTALL; do
  grep -q "^$v:BOOL=OFF" "$tmp/sub/CMakeCache.txt" || fail "$v is not OFF for a subproject"
done
[[ -e $tmp/sub/emtk/test || -e $tmp/sub/emtk/bench ]] && fail "subproject: emtk's test/ or bench/ was added"
[[ -e $tmp/sub/CPackConfig.cmake ]] && fail "subproject: CPack configured"
grep -rq --include=cmake_install.cmake "emtkTargets\|bin/emtk" "$tmp/sub" && fail "subproject: install rules defined"
grep -q "fit_two_gaussians" "$tmp/sub/build.ninja" "$tmp/sub/Makefile" 2>/dev/null || fail "subproject: no consumer target"
echo "subproject configured: EMTK_BUILD_TESTS, EMTK_BUILD_BENCH, EMTK_INSTALL off"

step "cpack -G DEB"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/deb" >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; fail "cpack"; }
arch=$(dpkg --print-architecture)
deb=$tmp/deb/emtk_${version}_$arch.deb
devdeb=$tmp/deb/emtk-dev_${version}_$arch.deb
[[ -f $deb && -f $devdeb ]] || { ls "$tmp/deb"; fail "cpack did not write emtk_${version}_$arch.deb and emtk-dev_${version}_$arch.deb"; }
info=$(dpkg-deb --info "$deb")
echo "$info" | sed -n 's/^ \(Package\|Version\|Section\|Maintainer\|Depends\):/  \1:/p'
for want in "Package: emtk" "Version: $version" "Section: science" "Maintainer: "; do
  grep -q "^ $want" <<<"$info" || fail "emtk .deb: no '$want' field"
done
depends=$(sed -n 's/^ Depends: //p' <<<"$info")
for lib in libhts3 libgomp1 zlib1g libc6 libstdc++6; do
  grep -q "\b$lib\b" <<<"$depends" || fail "emtk .deb: Depends lacks $lib ($depends)"
done
contents=$(dpkg-deb --contents "$deb")
for f in ./usr/bin/emtk ./usr/share/man/man1/emtk-mix.1 ./usr/share/man/man1/emtk-hmm-train.1 ./usr/share/doc/emtk/LICENSE; do
  grep -q " $f$" <<<"$contents" || fail "emtk .deb does not contain $f"
done
grep -q "include/emtk" <<<"$contents" && fail "the emtk .deb holds headers (they belong in emtk-dev)"
devcontents=$(dpkg-deb --contents "$devdeb")
for f in ./usr/include/emtk/mix/mixture.hpp ./usr/lib/libemtk_mix.a ./usr/lib/cmake/emtk/emtkConfig.cmake; do
  grep -q " $f$" <<<"$devcontents" || fail "emtk-dev .deb does not contain $f"
done
dpkg-deb --info "$devdeb" | grep "^ Depends: emtk (= $version)" >/dev/null || fail "emtk-dev does not depend on emtk (= $version)"

step "dpkg --root: install both packages into a scratch root"
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# --force-depends: the scratch root's database is empty (the libraries are the host's);
# --force-not-root lets a non-root user run this.
dpkg --root="$root" --log=/dev/null --force-depends --force-not-root --force-script-chrootless \
     --instdir="$root" --admindir="$root/var/lib/dpkg" -i "$deb" "$devdeb" >"$tmp/dpkg.log" 2>&1 ||
  { cat "$tmp/dpkg.log"; fail "dpkg -i into the scratch root"; }
dpkg --root="$root" --admindir="$root/var/lib/dpkg" -s emtk | grep "^Status: install ok installed" >/dev/null ||
  fail "dpkg does not list emtk as installed in the scratch root"
out=$("$root/usr/bin/emtk" --version)
[[ $out == "emtk $version "* ]] || fail "emtk --version from the .deb printed '$out'"
echo "emtk --version from the .deb: $out"
MANPATH=$root/usr/share/man man emtk-hmm-train 2>/dev/null | grep "emtk-hmm-train" >/dev/null || fail "man emtk-hmm-train from the .deb"
cmake -S "$consumer" -B "$tmp/consumer-deb" "${generator[@]}" -DCMAKE_PREFIX_PATH="$root/usr" >"$tmp/consumer-deb.log" 2>&1 ||
  { cat "$tmp/consumer-deb.log"; fail "consumer configure against the emtk-dev .deb"; }
grep -q "emtk $version from $root/usr/lib/cmake/emtk" "$tmp/consumer-deb.log" || fail "consumer did not find emtk in the .deb root"

echo
echo "install_test: OK"
