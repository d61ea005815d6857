"""A first load in committed chunks (`--first-load-chunk-days N`): a kill loses one chunk.

dlt commits a resource's state with its load package, so a first load run as one `pipeline.run`
is lost whole when the process dies. Here the objects with a cursor are loaded as bounded,
stateless ranges of `updatedAt`, each its own run (extracted, normalized, loaded and committed
before the next starts), newest first so that recent data is usable early:

- `[now - N days, now)`, `[now - 2N days, now - N days)`, ... down to a boundary one week inside
  search's two-year reach: these read through search alone;
- `[2000-01-01, boundary)`: the records last changed before it, from the lists (and the week
  of search's reach below the boundary), as the first load reads them;
- then one ordinary run from an hour before the plan began (clock skew and index lag), which
  sets the cursors, picks up every change made while the chunks were read, compares the
  destination with the org, and loads the objects read whole (configuration lists, attachments).

The chunks load several at once, each through a pipeline of its own (`chunk_loads`); the oldest
range starts first, beside the newest ones, so the lists spend the org budget while search spends
its own. The plan and the chunks done are kept in `first_load_chunks.json` in the pipeline's
working directory, written after each chunk's load: a rerun loads the chunks not done. The file goes
when the last run has set the cursors (or with `--full-refresh`, which drops the working
directory). The boundary stays inside search's reach for a week of loading; a chunk that starts
outside the reach by the time it runs (a plan resumed more than a week later) is read as a
bounded first load, lists and search side by side: as exact, but it reads the lists again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dlt

from kustomer_source.read.search import search_floor

PROGRESS_FILE = "first_load_chunks.json"
#: how far inside search's reach the oldest search chunk starts: the reach moves on while the
#: load runs, and a chunk that starts outside it is read from the lists
BOUNDARY_INSIDE_REACH = timedelta(days=7)
#: the final run starts this long before the plan began (clock skew, search's index lag)
FINAL_OVERLAP = timedelta(hours=1)

Range = tuple[str, str]
#: the start of the oldest chunk: before any Kustomer org (dlt's bounded range needs a start)
BEGINNING = "2000-01-01T00:00:00.000Z"


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class ChunkPlan:
    """The ranges of one chunked first load, newest first, and how many are loaded."""

    began: str
    ranges: list[Range]
    done: set[int] = field(default_factory=set)
    path: Path | None = field(default=None, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def make(cls, now: datetime, days: int) -> ChunkPlan:
        floor = datetime.fromisoformat(search_floor(now).replace("Z", "+00:00"))
        boundary = floor + BOUNDARY_INSIDE_REACH
        ranges: list[Range] = []
        hi, step = now, timedelta(days=days)
        while hi > boundary:
            # a remainder under a third of a chunk joins the chunk before it
            lo = boundary if hi - step - boundary < step / 3 else hi - step
            ranges.append((_iso(lo), _iso(hi)))
            hi = lo
        ranges.append((BEGINNING, _iso(boundary)))
        return cls(_iso(now), ranges)

    @property
    def final_start(self) -> str:
        began = datetime.fromisoformat(self.began.replace("Z", "+00:00"))
        return _iso(began - FINAL_OVERLAP)

    def remaining(self) -> list[tuple[int, Range]]:
        """The chunks not loaded yet: the oldest range (the lists' part) first, then the others
        newest first."""
        last = len(self.ranges) - 1
        order = [last, *range(last)]
        return [(i, self.ranges[i]) for i in order if i not in self.done]

    def mark_done(self, index: int) -> None:
        with self._lock:
            self.done.add(index)
            self.save()

    def save(self) -> None:
        if self.path is not None:
            data = {"began": self.began, "ranges": self.ranges, "done": sorted(self.done)}
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1))
            tmp.replace(self.path)  # a kill leaves the old file or the new one, never half

    def remove(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def progress_path(pipeline: dlt.Pipeline) -> Path:
    return Path(pipeline.working_dir) / PROGRESS_FILE


def saved_plan(pipeline: dlt.Pipeline) -> ChunkPlan | None:
    """The plan an earlier run left unfinished, None without one (or an unreadable one)."""
    path = progress_path(pipeline)
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        ranges = [(lo, hi) for lo, hi in data["ranges"]]
        done = data["done"]
        # a list of the chunks loaded; a number: the first that many (as written before)
        loaded = set(range(done)) if isinstance(done, int) else {int(i) for i in done}
        plan = ChunkPlan(str(data["began"]), ranges, loaded)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    plan.path = path
    return plan


def has_cursors(pipeline: dlt.Pipeline, source_name: str) -> bool:
    """Whether an earlier run committed a cursor (an incremental resource's state)."""
    resources = pipeline.state.get("sources", {}).get(source_name, {}).get("resources", {})
    return any(isinstance(s, dict) and "incremental" in s for s in resources.values())


def plan_first_load(
    pipeline: dlt.Pipeline, source_name: str, days: int, now: Callable[[], datetime]
) -> ChunkPlan | None:
    """The chunks this run loads: an unfinished plan, a new one on a first load (`now`: the
    org's clock, which stamps `updatedAt`), or None when the pipeline already has cursors."""
    if has_cursors(pipeline, source_name):
        progress_path(pipeline).unlink(missing_ok=True)  # the last run finished the plan
        return None
    plan = saved_plan(pipeline)
    if plan is None:
        plan = ChunkPlan.make(now(), days)
        plan.path = progress_path(pipeline)
        plan.save()
    return plan


def incremental_only(source: Any) -> Any:
    """The source narrowed to its selected resources with a cursor (the chunks' objects)."""
    names = [n for n, r in source.selected_resources.items() if r.incremental is not None]
    return source.with_resources(*names)
