"""The chunks' normalize process ends when the run's process is killed with -9, instead of
living on with the pipe of whoever started the run (a scheduler, a benchmark), and Python's
resource tracker prints no "leaked semaphore objects" notice after it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

RUN = """
import os, time
from kustomer_runner.normalizer import Normalizer
normalizer = Normalizer()
print(normalizer._pool.submit(os.getpid).result(), flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" not in status.read_text()  # a zombie has exited
    except OSError:
        return False


def test_the_normalize_process_exits_when_the_run_is_killed() -> None:
    run = subprocess.Popen(
        [sys.executable, "-c", RUN], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert run.stdout is not None
    child = int(run.stdout.readline())
    assert _alive(child) and child != run.pid
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the normalize process outlived the run killed with -9"
    _, said = run.communicate(timeout=30)  # until the resource tracker, the last writer, ends
    assert "leaked semaphore" not in said, said
