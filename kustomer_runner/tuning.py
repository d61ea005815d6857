"""Process-wide settings for a pipeline run, applied by the script that runs it (not the source).

A load turns every record into several short-lived dicts and lists (the parsed page, the row, the
normalizer's child rows). With CPython's default thresholds the cyclic garbage collector runs
every 700 new containers and, as the heap grows, rescans it all; over a full load that is about a
third of extract's CPU. Raising the thresholds keeps reference counting (which frees almost all
of it) and collects cycles far less often. Measured with `benchmarks/bench.py --mode local`.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (50_000, 20, 100)
"""Generation 0 every 50,000 new containers (default 700), the older ones as rarely as before
relative to it; normalize workers are forked and inherit it."""


def tune_garbage_collector() -> None:
    """Collect reference cycles less often (see the module docstring)."""
    gc.set_threshold(*GC_THRESHOLDS)


DUCKDB_SETTINGS: dict[str, str | bool | int | float | list[str]] = {"memory_limit": "512MB"}
"""DuckDB's settings for the file a run loads into (`duckdb.connect(path, config=...)`): the memory
cap keeps a load of a million messages under 1 GB in all (`--duckdb-memory-limit` sets another;
a chunk of a wide table needed more than 256 MB at 418,000 records, docs/performance.md).
They are given to the connection rather than set in `.dlt/config.toml`
(`[destination.duckdb.credentials.global_config]`): dlt reads that section as the destination's
credentials, which a config file may not hold, so `dlt.attach(...).dataset()` run next to that
file failed."""
