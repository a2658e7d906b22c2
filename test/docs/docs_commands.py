#!/usr/bin/env python3
"""Runs every command shown in README.md and docs/*.md and checks it works as shown (issue 19).

The Markdown files mark their fenced blocks in a machine-readable way (the first word of the info
string is what GitHub highlights by; the rest is ours):

  ```sh                    commands, run by this test (bash -e, in a scratch directory per file)
  ```sh skip="WHY"         commands not run here; WHY is required (root, network, minutes of CPU)
  ```text output           what the preceding ```sh block printed (stdout and stderr, as a terminal
                           shows them); compared line by line. A line "..." stands for any number
                           of lines; times ("0.21 s") are the only numbers normalised.
  ```text, ```cmake, ...   not commands (file contents, synopses): not run

Any other shell-like block (```bash, ```shell, ```console, ```sh without a valid skip) fails the test,
so a command cannot appear in the docs without being run or saying why not.

The blocks of one file run in order in one scratch directory, in which data/, models/ and scripts/
of the repository are reachable under their names; `emtk` is the binary under test (first on PATH).

usage: docs_commands.py EMTK REPO_ROOT [FILE.md ...]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^(\s*)```(.*)$")
SHELLS = {"sh", "bash", "shell", "console", "zsh"}
TIME = re.compile(r"\b\d+(\.\d+)? s\b")


def blocks(path):
    """Yields (line number, info string, text) of each fenced block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, info = len(m.group(1)), m.group(2).strip()
        start = i + 1
        j = start
        while j < len(lines) and not re.match(r"^\s*```\s*$", lines[j]):
            j += 1
        body = [l[indent:] if l[:indent].strip() == "" else l for l in lines[start:j]]
        yield start, info, "\n".join(body)
        i = j + 1


def normalise(text):
    return [TIME.sub("T s", l.rstrip()) for l in text.rstrip("\n").split("\n")] if text.strip() else []


def matches(expected, actual):
    """Line-by-line match where an expected line '...' matches any run of lines (also none)."""
    memo = {}

    def go(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(expected):
            r = j == len(actual)
        elif expected[i] == "...":
            r = any(go(i + 1, k) for k in range(j, len(actual) + 1))
        else:
            r = j < len(actual) and expected[i] == actual[j] and go(i + 1, j + 1)
        memo[(i, j)] = r
        return r

    return go(0, 0)


def check_file(md, emtk_dir, root):
    failures, ran = [], 0
    name = os.path.relpath(md, root)
    work = tempfile.mkdtemp(prefix="emtk-docs.")
    try:
        for sub in ("data", "models", "scripts"):
            os.symlink(os.path.join(root, sub), os.path.join(work, sub))
        env = dict(os.environ, PATH=emtk_dir + os.pathsep + os.environ.get("PATH", ""),
                   SOURCE_DATE_EPOCH="1700000000")
        last = None  # (line, output) of the last command block
        for line, info, text in blocks(md):
            words = info.split(None, 1)
            lang = words[0] if words else ""
            rest = words[1] if len(words) > 1 else ""
            where = f"{name}:{line}"
            if lang in SHELLS:
                if lang != "sh":
                    failures.append(f"{where}: a ```{lang} block: write ```sh (run) or ```sh skip=\"why\"")
                    continue
                if rest.startswith("skip="):
                    if not re.fullmatch(r'skip="[^"]{8,}"', rest):
                        failures.append(f"{where}: skip needs a reason in quotes: skip=\"why\"")
                    last = None
                    continue
                if rest:
                    failures.append(f"{where}: unknown attributes '{rest}' (only skip=\"why\")")
                    continue
                p = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=work, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                ran += 1
                if p.returncode != 0:
                    failures.append(f"{where}: exit status {p.returncode}\n{text}\n--- output:\n{p.stdout}")
                last = (line, p.stdout)
            elif lang == "text" and rest == "output":
                if last is None:
                    failures.append(f"{where}: ```text output must follow a ```sh block that runs")
                    continue
                want, got = normalise(text), normalise(last[1])
                if not matches(want, got):
                    failures.append(f"{where}: output differs from what the block at line {last[0]} printed"
                                    "\n--- shown:\n" + "\n".join(want) + "\n--- printed:\n" + "\n".join(got))
                last = None
            elif rest:
                failures.append(f"{where}: unknown fence attributes '{info}'")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ran, failures


def main():
    emtk, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    files = sys.argv[3:] or [os.path.join(root, "README.md")] + sorted(
        os.path.join(root, "docs", f) for f in os.listdir(os.path.join(root, "docs")) if f.endswith(".md"))
    emtk_dir = tempfile.mkdtemp(prefix="emtk-bin.")
    os.symlink(emtk, os.path.join(emtk_dir, "emtk"))
    passed = failed = 0
    try:
        for md in files:
            ran, failures = check_file(os.path.abspath(md), emtk_dir, root)
            rel = os.path.relpath(md, root)
            if failures:
                failed += 1
                print(f"not ok - {rel}: {ran} command blocks run, {len(failures)} problem(s)")
                for f in failures:
                    print("\n".join("#   " + l for l in f.split("\n")))
            else:
                passed += 1
                print(f"ok - {rel}: {ran} command blocks run, every shown output as printed")
    finally:
        shutil.rmtree(emtk_dir, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
