"""One run at a time per pipeline: an exclusive lock on `<pipelines_dir>/<pipeline>.run.lock`.

dlt has no run lock of its own: two runs of one pipeline would share its working dir, state and
pending load packages, and load or delete each other's files. The file sits next to the working
dir, not in it, because dlt empties the working dir when it creates the pipeline (and when the
destination was wiped), which would swap the locked file for a new one mid-run. The lock is
`flock`, which the operating system releases when its process ends in any way (kill -9
included), so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; runs are not locked there
    fcntl = None  # type: ignore[assignment]


class PipelineBusyError(Exception):
    """Another run of the same pipeline holds its lock."""


def lock_path(pipelines_dir: str | Path, pipeline_name: str) -> Path:
    """The run lock of pipeline `pipeline_name` whose working dirs are under `pipelines_dir`."""
    return Path(pipelines_dir) / f"{pipeline_name}.run.lock"


@contextmanager
def run_lock(pipelines_dir: str | Path, pipeline_name: str) -> Iterator[Path]:
    """Holds the pipeline's run lock for the block; raises `PipelineBusyError` at once (without
    waiting) when another process holds it. Yields the lock file's path."""
    path = lock_path(pipelines_dir, pipeline_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
                raise PipelineBusyError(
                    f"Another run of this pipeline is in progress ({holder}; lock {path}). Wait "
                    "for it to end; two runs at once would share one pipeline state"
                ) from None
        started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {started}".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the file releases the lock
