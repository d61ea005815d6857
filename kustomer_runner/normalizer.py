"""The chunks' normalize in a process of its own, started once for a chunked first load.

dlt's normalize is Python work that holds the interpreter's lock: run in this process, it
shares one core with the threads that extract the next chunks, and the machine's other core
idles. dlt's own pool of normalize workers is made per `normalize` call; forked while the reader
threads run, it copies their locks in whatever state they are, and spawned per chunk it pays the
interpreter's start each time. So one process is spawned when the chunks start and normalizes
each chunk's extract in that chunk's working directory, while this process reads and loads.

The process watches this one: when this process dies (a kill with -9 included) it exits within
`WATCH_S`, rather than live on with the pipe of whoever started the run.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import dlt

from .tuning import tune_garbage_collector

#: how often the normalize process checks that the process that started it is alive
WATCH_S = 0.5


#: the warning Python's resource tracker prints when the run is killed with -9 ("There appear to
#: be 5 leaked semaphore objects to clean up at shutdown"): the tracker cleans them up, so the
#: notice only alarms a user whose run was killed
TRACKER_NOTICE = "ignore:resource_tracker:UserWarning"


def quiet_resource_tracker() -> None:
    """Silences `TRACKER_NOTICE` in the resource tracker process, which the pool's queues start:
    it takes its warning filters from this process's `-W` options (`sys.warnoptions`)."""
    if TRACKER_NOTICE not in sys.warnoptions:
        sys.warnoptions.append(TRACKER_NOTICE)


class Normalizer:
    """One spawned process that normalizes the extract of a chunk pipeline (`normalize`)."""

    def __init__(self) -> None:
        quiet_resource_tracker()
        self._pool = ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_watching,
            initargs=(os.getpid(),),
        )

    def submit(self, pipeline: dlt.Pipeline) -> Future[Any]:
        """Normalizes what `pipeline` extracted, in the normalize process (one chunk at a time,
        in the order submitted). Reopen the pipeline before its load: this process's pipeline
        object does not see the schema the step changed."""
        return self._pool.submit(
            normalize_in_process,
            pipeline.pipeline_name,
            pipeline.pipelines_dir,
            pipeline.destination.destination_type,
            pipeline.dataset_name,
        )

    @staticmethod
    def trace(result: tuple[dict[str, int], datetime, datetime]) -> SimpleNamespace:
        """What the summary reads of a normalize step (as `chunk_loads.light` keeps it)."""
        row_counts, started, finished = result
        return SimpleNamespace(
            last_normalize_info=SimpleNamespace(row_counts=row_counts),
            last_load_info=None,
            steps=[SimpleNamespace(step="normalize", started_at=started, finished_at=finished)],
        )

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def normalize_in_process(
    name: str, pipelines_dir: str, destination: str, dataset: str
) -> tuple[dict[str, int], datetime, datetime]:
    """In the normalize process: the pipeline's extract normalized; its row counts and when
    the step started and ended. The destination's type gives the file formats; normalize needs
    no credentials."""
    pipeline = dlt.pipeline(
        pipeline_name=name,
        pipelines_dir=pipelines_dir,
        destination=destination,
        dataset_name=dataset,
    )
    pipeline.config.restore_from_destination = False
    started = datetime.now().astimezone()
    info = pipeline.normalize(workers=1)
    finished = datetime.now().astimezone()
    return (dict(info.row_counts) if info else {}), started, finished


def _start_watching(parent: int) -> None:
    """In the normalize process: the garbage collector tuned as in the run's process, and a
    thread that ends the process once `parent` is gone."""
    tune_garbage_collector()
    # one chunk at a time, in this process: `[normalize] workers` in .dlt/config.toml (for a
    # load in one package) would otherwise start a pool per chunk and poll it
    os.environ["NORMALIZE__WORKERS"] = "1"

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_S)
        os._exit(1)

    threading.Thread(target=watch, name="kustomer-watch-parent", daemon=True).start()
