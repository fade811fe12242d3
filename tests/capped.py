"""Run code in a fresh interpreter whose memory may grow only so far: for the file-safety tests.

A file that lies about its sizes used to make ``load`` take gigabytes; in a child
process the cap turns such a regression into a ``MemoryError`` instead of a
thrashing machine.  Under AddressSanitizer (``LD_PRELOAD`` holds libasan), whose
shadow memory reserves terabytes of address space, the address-space cap is left
out and only the peak resident memory is checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

PROLOGUE = """
import json, os, resource, sys, time

def status(field):
    with open("/proc/self/status") as lines:
        line = next(l for l in lines if l.startswith(field + ":"))
    return int(line.split()[1]) * 1024

import numpy as np
import annlib
from annlib import MLP, Hopfield

BASELINE_RSS = status("VmRSS")
SANITIZED = "asan" in os.environ.get("LD_PRELOAD", "")
if not SANITIZED:
    cap = status("VmSize") + MEGABYTES * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))

def report(**values):
    values["peak_rss_growth"] = status("VmHWM") - BASELINE_RSS
    values["sanitized"] = SANITIZED
    print("RESULT " + json.dumps(values))
"""


def run_capped(code: str, megabytes: int = 300, timeout: float = 120) -> dict:
    """Run ``code`` (which ends by calling ``report(**values)``) in a capped child; return values.

    The child may grow its address space by ``megabytes`` after importing annlib;
    ``peak_rss_growth`` in the result is how much its resident memory grew at most,
    and ``sanitized`` whether AddressSanitizer ran (its shadow memory and the
    quarantine of freed blocks, 256 MB by default, add to the resident memory).
    """
    source = PROLOGUE.replace("MEGABYTES", str(megabytes)) + textwrap.dedent(code)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=timeout, env=env
    )
    assert result.returncode == 0, result.stderr[-4000:]
    line = next(out for out in result.stdout.splitlines() if out.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def rss_budget(values: dict, megabytes: int) -> int:
    """``megabytes`` in bytes, plus AddressSanitizer's quarantine when it ran."""
    return (megabytes + (512 if values["sanitized"] else 0)) * 2**20
