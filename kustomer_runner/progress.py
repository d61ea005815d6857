"""How a run shows its progress: a live bar on a terminal, a few plain lines anywhere else.

dlt's own collectors either draw one bar or log line per table (about 200 tables once List fields
are unnested, every second for `progress="log"`), which buries a run's output. Both collectors
here keep dlt's machinery (its collector protocol, tqdm bar) and add up the table counters into
one figure, so a step shows as one line: `Extract kustomer: 48/48 resources, 5,210 rows, 3.1 s`.
"""

from __future__ import annotations

import sys
import time
from typing import Literal, TextIO

from dlt.common.runtime.collector import Collector, LogCollector, NullCollector, TqdmCollector

__all__ = ["BarProgress", "LineProgress", "ProgressMode", "progress_for"]

ProgressMode = Literal["auto", "bar", "log", "off"]

LOG_PERIOD_S = 15.0
"""Seconds between progress lines when the output is not a terminal."""

_STEP_COUNTERS = {"Resources": "resources", "Files": "files", "Jobs": "jobs"}
"""dlt's counter of each step's units of work; every other counter counts a table's rows."""


def progress_for(mode: ProgressMode = "auto", stream: TextIO | None = None) -> Collector:
    """The collector for `mode`: `auto` draws a bar when `stream` (stdout) is a terminal and
    writes plain lines otherwise; `off` shows nothing."""
    stream = stream or sys.stdout
    if mode == "auto":
        mode = "bar" if stream.isatty() else "log"
    if mode == "bar":
        return BarProgress(stream)
    if mode == "log":
        return LineProgress(stream)
    return NullCollector()


class _StepTally:
    """A step's work counter and its rows, summed over tables, as one line of text."""

    def __init__(self) -> None:
        self.start(None)

    def start(self, step: str | None) -> None:
        # dlt names steps "Normalize kustomer in <load id>": the load id says nothing to a person
        self.step = (step or "").split(" in ")[0]
        self.started = time.monotonic()
        self.done = 0
        self.total: int | None = None
        self.unit = ""
        self.rows = 0
        self.tables: set[str] = set()

    def count(self, name: str, inc: int, total: int | None, inc_total: int | None) -> None:
        unit = _STEP_COUNTERS.get(name)
        if unit is None:
            self.rows += inc
            self.tables.add(name)
            return
        self.unit = unit
        self.done += inc
        if total is not None:
            self.total = total
        if inc_total:
            self.total = (self.total or 0) + inc_total

    @property
    def only_dlt_state(self) -> bool:
        """True for the small extract of dlt's own state that follows the source's."""
        return bool(self.tables) and all(name.startswith("_dlt") for name in self.tables)

    def line(self) -> str:
        parts = []
        if self.unit:
            of = f"/{self.total}" if self.total else ""
            parts.append(f"{self.done}{of} {self.unit}")
        if self.rows or self.unit != "jobs":
            parts.append(f"{self.rows:,} rows")
        parts.append(f"{time.monotonic() - self.started:.1f} s")
        return f"{self.step}: {', '.join(parts)}"


class LineProgress(LogCollector):
    """dlt's log collector, one line per step every `log_period` seconds and at the step's end,
    without system stats (they need psutil, which the project does not install)."""

    def __init__(self, stream: TextIO, log_period: float = LOG_PERIOD_S) -> None:
        super().__init__(log_period=log_period, logger=stream, dump_system_stats=False)
        self.tally = _StepTally()

    def update(
        self,
        name: str,
        inc: int = 1,
        total: int | None = None,
        inc_total: int | None = None,
        message: str | None = None,
        label: str | None = None,
    ) -> None:
        self.tally.count(name, inc, total, inc_total)
        super().update(name, inc, total, inc_total, message, label)  # type: ignore[arg-type]

    def _start(self, step: str) -> None:
        super()._start(step)
        self.tally.start(step)
        self.last_log_time = self._clock()  # the first line after log_period, not at once

    def dump_counters(self) -> None:
        if not self.tally.only_dlt_state:
            self._log(self.log_level, self.tally.line())


class BarProgress(TqdmCollector):
    """dlt's tqdm collector with one bar per step (its unit of work) that also shows the rows
    counted so far, and one line left behind when the step ends."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(single_bar=True, file=stream, dynamic_ncols=True)
        self.stream = stream
        self.tally = _StepTally()

    def update(
        self,
        name: str,
        inc: int = 1,
        total: int | None = None,
        inc_total: int | None = None,
        message: str | None = None,
        label: str = "",
    ) -> None:
        self.tally.count(name, inc, total, inc_total)
        if name in _STEP_COUNTERS:
            super().update(name, inc, total, inc_total, message, label)  # type: ignore[arg-type]
        for bar in self._bars.values():
            bar.set_postfix_str(f"{self.tally.rows:,} rows", refresh=False)

    def _start(self, step: str) -> None:
        super()._start(step)
        self.tally.start(step)

    def _stop(self) -> None:
        super()._stop()
        if not self.tally.only_dlt_state:
            self.stream.write(self.tally.line() + "\n")
            self.stream.flush()
