#!/usr/bin/env bash
# The test suite against an AddressSanitizer + UndefinedBehaviorSanitizer build
# of annlib's engine and bindings.  Fails on any compiler warning (-Werror) and
# on any sanitizer report, including reports from child processes.
#
#   bash ci/sanitize.sh                # what .ci/run does after the README tests
#   bash ci/sanitize.sh -k hopfield    # extra arguments go to pytest
#   SANITIZE_VENV=/tmp/san bash ci/sanitize.sh   # keep (and reuse) that venv: reruns
#                                                # rebuild only what changed
#
# Needs g++ (or another compiler whose libasan matches the one that built the
# extension: CXX=clang++ works too) and network access to the package index.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

cxx=${CXX:-g++}
# Python itself is not instrumented, so the ASan runtime must be loaded before
# anything else: the interpreter gets it through LD_PRELOAD.
# libstdc++ comes along: ASan finds the real __cxa_throw when it starts, and
# python does not link libstdc++, so without it the first C++ exception thrown
# by any extension (annlib's or matplotlib's) aborts with "CHECK failed".
libasan=$("$cxx" -print-file-name=libasan.so)
libstdcxx=$("$cxx" -print-file-name=libstdc++.so)
for lib in "$libasan" "$libstdcxx"; do
    if [ ! -e "$lib" ]; then
        echo "sanitize.sh: $cxx has no $lib; install the compiler's ASan runtime" >&2
        exit 1
    fi
done

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
venv=${SANITIZE_VENV:-$workdir/venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# shellcheck disable=SC1091
source "$venv/bin/activate"
pip install -q --upgrade pip

# Its own build folder, inside the venv, so the sanitized objects never mix with
# a normal build and live exactly as long as the venv whose Eigen they used.
# -O1 -g: readable stack traces at a tolerable speed.  No NDEBUG: Eigen's own
# bounds and size assertions are checked as well.
echo "+ building annlib with ASan + UBSan in $venv"
# Without build isolation, so Eigen's path stays the same and a rerun in a kept
# venv only recompiles what changed.
python - <<'PY' >"$workdir/build-requirements.txt"
import tomllib
with open("pyproject.toml", "rb") as stream:
    print("\n".join(tomllib.load(stream)["build-system"]["requires"]))
PY
pip install -q -r "$workdir/build-requirements.txt" ninja
pip install -q --no-build-isolation ".[test]" \
    -C build-dir="$venv/annlib-build" \
    -C cmake.build-type=Debug \
    -C cmake.define.CMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
    -C cmake.define.ANNLIB_SANITIZE=ON \
    -C cmake.define.ANNLIB_WERROR=ON

reports="$workdir/reports"
mkdir -p "$reports"
# detect_leaks=0: CPython keeps much of its memory until exit by design, which
# LeakSanitizer would report; leaks of annlib objects are caught by the leak
# test in the normal run instead.  log_path: every process (pytest and the
# child processes some tests start) writes its reports to a file we check below,
# so a report in a child whose exit status is not looked at still fails the run.
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
# Everything started from here on, python and its children, gets the runtime.
export LD_PRELOAD="$libasan:$libstdcxx${LD_PRELOAD:+:$LD_PRELOAD}"

# Deselected: tests marked slow.  They are the leak test (10 000 fit/save/load
# cycles: ASan's quarantine keeps freed memory on purpose, so resident memory
# is no measure of leaks there, and the run would take many minutes) and the
# notebooks (a Jupyter kernel per notebook, minutes of plotting code that calls
# the engine only through paths the unit tests already cover).  Both run in the
# normal (uninstrumented) test run of .ci/run.
status=0
python -m pytest -p no:cacheprovider -q -m "not slow" "$@" || status=$?

if compgen -G "$reports/*" >/dev/null; then
    echo "sanitize.sh: sanitizer reports:" >&2
    for report in "$reports"/*; do
        echo "==== $report" >&2
        cat "$report" >&2
    done
    status=1
fi
echo "sanitize.sh: finished in $(($(date +%s) - started)) s with status $status"
exit "$status"
