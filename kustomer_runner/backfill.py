"""A backfill in bounded chunks (`--backfill-from/--backfill-to --chunk-days`), each chunk a load
of its own that keeps no cursor, and where a killed backfill goes on.

After each chunk's load, the pipeline's state notes the backfill and the end of that chunk (in
the working directory at once; dlt commits it to the destination with the next chunk's load
package). A rerun of the same backfill (same bounds, same objects) goes on after the last chunk
noted, once what the killed run left in the working directory is loaded or undone (`resume`); on
a runner that keeps no working directory it goes on from the note the destination holds, one
chunk further back. A backfill that ended is run whole again when asked again.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import date, timedelta

import dlt

#: where the pipeline's source state notes the backfill under way
BACKFILL_STATE = "backfill"


def backfill_chunks(start: str, end: str, days: int) -> Iterator[tuple[str, str]]:
    """[start, end) in chunks of `days`: each chunk is a bounded load that keeps no state."""
    lo, hi = date.fromisoformat(start), date.fromisoformat(end)
    while lo < hi:
        nxt = min(lo + timedelta(days=days), hi)
        yield lo.isoformat(), nxt.isoformat()
        lo = nxt


def backfill_key(args: argparse.Namespace) -> str:
    """What names a backfill: its bounds and its objects."""
    return f"{args.backfill_from}..{args.backfill_to} {args.objects or 'all objects'}"


def ranges_left(
    pipeline: dlt.Pipeline, source_name: str, args: argparse.Namespace
) -> list[tuple[str, str]]:
    """The backfill's chunks still to load: all of them, or those after the last chunk an
    unfinished run of the same backfill loaded."""
    ranges = list(backfill_chunks(args.backfill_from, args.backfill_to, args.chunk_days))
    noted = pipeline.state.get("sources", {}).get(source_name, {}).get(BACKFILL_STATE) or {}
    loaded_to = noted.get("loaded_to") if noted.get("key") == backfill_key(args) else None
    if not isinstance(loaded_to, str) or not ranges or loaded_to >= ranges[-1][1]:
        return ranges
    left = [(lo, hi) for lo, hi in ranges if hi > loaded_to]
    print(
        f"backfill: going on from {loaded_to}, where the last run of this backfill stopped "
        f"({len(ranges) - len(left)} of its {len(ranges)} chunks are loaded)",
        flush=True,
    )
    return left


def note_chunk(
    pipeline: dlt.Pipeline, source_name: str, args: argparse.Namespace, end: str
) -> None:
    """Notes in the pipeline's state that the backfill is loaded up to `end`."""
    with pipeline.managed_state() as state:
        source = state.setdefault("sources", {}).setdefault(source_name, {})
        source[BACKFILL_STATE] = {"key": backfill_key(args), "loaded_to": end}
