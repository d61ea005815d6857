"""What went wrong, as one line: a missing setting, the first Kustomer error behind a failed
step, a full disk; what the failed run left behind; and the failed run's summary."""

from __future__ import annotations

import argparse
import errno
import logging
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.common.pipeline import get_dlt_pipelines_dir
from dlt.pipeline.exceptions import PipelineStepFailed

from kustomer_source import KustomerError

from .pipeline import DEMO_PIPELINE, ORG_PIPELINE
from .summary import failed


def missing_setting_message(exc: ConfigFieldMissingException) -> str:
    fields = ", ".join(exc.fields)
    if "api_key" in exc.fields:
        return (
            "Missing the Kustomer API key: set api_key under [sources.kustomer] in "
            ".dlt/secrets.toml or the environment variable SOURCES__KUSTOMER__API_KEY "
            "(or run with --demo)."
        )
    return f"Missing setting(s) {fields} under [sources.kustomer] in .dlt/config.toml"


def root_cause_message(exc: BaseException) -> str:
    """The first KustomerError (or the innermost error) behind a failed pipeline step."""
    seen: BaseException | None = exc
    innermost = exc
    while seen is not None:
        if isinstance(seen, KustomerError):
            return str(seen)
        if isinstance(seen, ConfigFieldMissingException):
            return missing_setting_message(seen)
        innermost = seen
        seen = seen.__cause__ or seen.__context__
    return f"{type(innermost).__name__}: {innermost}"


def step_outcome(step: str) -> str:
    """What a run that failed in `step` left behind, and what the next run does."""
    if step == "extract":
        return (
            "Nothing was loaded and no state was saved: the next run starts where the last "
            "complete one ended"
        )
    return (
        "What this run read is kept in the pipeline's working dir: the next run loads it first "
        "(or, if it was partly loaded, undoes it and reads those changes again)"
    )


def stopped_in(args: argparse.Namespace) -> str:
    """The step a failed run stopped in, from the packages it left in the working dir."""
    name = DEMO_PIPELINE if args.demo else ORG_PIPELINE
    working_dir = Path(args.pipelines_dir or get_dlt_pipelines_dir()) / name
    if any((working_dir / "load" / "normalized").glob("*/schema.json")):
        return "load"
    if any((working_dir / "normalize" / "extracted").glob("*/schema.json")):
        return "normalize"
    return "extract"


def causes(exc: BaseException | None) -> Iterator[BaseException]:
    """`exc` and the errors behind it, outermost first."""
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def disk_full(exc: BaseException, step: str) -> str | None:
    """One line for a run that a full disk stopped (ENOSPC anywhere behind `exc`), else None."""
    for seen in causes(exc):
        if (isinstance(seen, OSError) and seen.errno == errno.ENOSPC) or (
            "No space left on device" in str(seen)
        ):
            where = getattr(seen, "filename", None) or _full_file(str(seen))
            at = f" writing {where}" if where else ""
            return f"The disk is full (No space left on device{at}) during {step}"
    return None


def out_of_memory(exc: BaseException, step: str, limit: str) -> str | None:
    """One line for a load that DuckDB's memory cap stopped (its out of memory error anywhere
    behind `exc`), else None."""
    for seen in causes(exc):
        text = str(seen)
        if (
            type(seen).__name__ == "OutOfMemoryException"
            or "Out of Memory Error" in text
            or "could not allocate block of size" in text  # the same, failing a commit
        ):
            return (
                f"DuckDB ran out of the memory it may use ({limit}) during {step}; run again "
                "with a higher --duckdb-memory-limit (1GB, 2GB)"
            )
    return None


def sentences(*parts: str) -> str:
    """Parts of a message joined as sentences, each ending in one full stop (never `..`)."""
    return " ".join(_sentence(part) for part in parts if part.strip())


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text if text.endswith(("?", "!")) else text + "."


def _full_file(message: str) -> str | None:
    """The file a "No space left" message names: the quoted path right before the reason (as
    DuckDB writes `Could not write file "<path>": No space left on device`), else the first
    quoted path that is not the code's own (a traceback's site-packages file)."""
    before = re.search(r'"(/[^"]+)"[^"/]{0,40}No space left', message)
    if before:
        return before.group(1)
    quoted = [p for p in re.findall(r'"(/[^"]+)"', message) if "site-packages" not in p]
    return quoted[0] if quoted else None


class NoTracebacks(logging.Filter):
    """Keeps dlt's log lines but drops their tracebacks: a failed run ends with one `error:`
    line that says what happened, and retries logged with a stack on the way there only bury
    it (`--progress` and the log level still show what dlt does)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        message = record.getMessage()
        if TRACEBACK in message:  # a retried job's message carries the whole stack
            before, _, stack = message.partition(TRACEBACK)
            raised = [line for line in stack.splitlines() if RAISED.match(line)][-1:]
            record.msg, record.args = before + "".join(raised).strip(), None
        return True


TRACEBACK = "Traceback (most recent call last):"
RAISED = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\w*: ")
"""A traceback's line that names what was raised."""


def quiet_tracebacks() -> None:
    """`NoTracebacks` on dlt's logger and its handlers (once)."""
    log = logging.getLogger("dlt")
    if not any(isinstance(f, NoTracebacks) for f in log.filters):
        log.addFilter(NoTracebacks())


def fail(
    message: str,
    args: argparse.Namespace,
    started: datetime,
    exc: PipelineStepFailed | None = None,
) -> int:
    """Prints the error; with --summary-json also writes a failed run's summary."""
    print(f"error: {sentences(message)}", file=sys.stderr)
    if args.summary_json:
        pipeline = exc.pipeline if exc is not None else None
        step = exc.step if exc is not None else None
        summary = failed(pipeline, started, message, step, failed_object(exc))
        summary.write_json(args.summary_json)
    return 1


def failed_object(exc: BaseException | None) -> str | None:
    """The resource (object) whose reader raised behind a failed step, if one did."""
    for seen in causes(exc):
        name = getattr(seen, "resource_name", None)
        if isinstance(name, str):
            return name
    return None
