"""An external scheduler's time interval as the run's bounds.

dlt's scheduler integrations (its workspace launcher, Airflow helpers) set
`DLT_ALLOW_EXTERNAL_SCHEDULERS=true` and give each run an interval (`DLT_INTERVAL_START` and
`DLT_INTERVAL_END`, or Airflow's `data_interval_start/end`). dlt would then join that interval
into every incremental resource, which it cannot do for this source's cursors: they are
Kustomer's ISO strings, and a string cursor raises `JoinSchedulerError` (or
`ExternalSchedulerNotAvailable` when the flag is set without an interval). So the source's
incrementals opt out (`allow_external_schedulers=False`) and the source applies the interval
itself, as the `start_date`/`end_date` of a bounded run: records changed (audit entries created)
in `[start, end)`, no state kept, as a backfill chunk. Without an interval the run is an ordinary
incremental one.
"""

from __future__ import annotations

import os

from dlt.common import known_env
from dlt.common.utils import str2bool
from dlt.extract.incremental.context import get_interval_context

from .api.times import api_time

__all__ = ["scheduler_interval"]


def scheduler_interval() -> tuple[str, str] | None:
    """The external scheduler's interval as Kustomer API times, when external schedulers are
    allowed and an interval is set; else None."""
    context = get_interval_context()
    if context is None:
        return None
    allowed = context.allow_external_schedulers
    if allowed is None:
        # dlt reads the flag once, when the process first makes the context; a context made
        # before the flag was set holds None (undecided), so read the process flag now
        allowed = str2bool(os.environ.get(known_env.DLT_ALLOW_EXTERNAL_SCHEDULERS) or "false")
    if not allowed:
        return None
    interval = context.interval
    if interval is None:
        return None
    return api_time(interval.start), api_time(interval.end)
