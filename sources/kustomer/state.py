"""What the source keeps in dlt's state, every key in one place, and which org a pipeline's state
and dataset belong to (the API host, kept in the source state).

dlt's own incremental cursors (`updatedAt`, `createdAt`) live in each resource's state under
dlt's keys; the source adds:

- `API_HOST` (source state): the org the state and dataset belong to (below);
- `LOOKBACK_SPAN` (resource state of each search-synced object): what the last run loaded in the
  span the next run looks back over (`read.lookback.SeenSpan`);
- `NEWEST_MESSAGE_SECOND` (resource state of `message_attachments`): the id second of the newest
  message the last run read (`read.attachments`);
- `RECONCILED_AT`, `RECONCILED_FROM` and `RECONCILED_SEARCHES` (resource state of each
  search-synced object): when the destination was last compared with the org (local time), the
  start in Kustomer's clock of the run that began the last comparison to end (merges since then
  are looked up), and the searches the last run's comparison spent (`read.reconcile`; a costly
  one makes the next wait, `read.incremental.comparison_wait_s`);
- `COMPARED_TO` and `COMPARISON_BEGAN` (resource state of each search-synced object): where an
  unfinished comparison got (the `createdAt` the next run goes on from: a run spends at most
  `tuning.comparison_searches` on it) and the start of the run that began it;
- `COSTLY_COMPARISONS` (source state, by table): the searches of each object's last comparison
  that spent more than `read.incremental.COSTLY_COMPARISON`, which together set how long each
  waits;
- `READ_IN_FULL_AT` (source state, by table: dlt resets a replace resource's own state on every
  run): when each big list read whole was last read in full (`resources.whole_reader`);
- `REDACTIONS_READ_UNTIL` (resource state of `messages`): how far the audit log was read for
  redactions (`read.redactions`).

dlt keys incremental state by pipeline and source name only, so pointing a pipeline at another
org would reuse the first org's cursors and skip the second org's older records. The first run
records its API host in the source state (which dlt stores with the dataset and restores from
it on a fresh machine); a later run against another host stops before reading anything.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import dlt

from .api.errors import KustomerError

API_HOST = "api_host"
LOOKBACK_SPAN = "lookback_span"
NEWEST_MESSAGE_SECOND = "newest_message_second"
RECONCILED_AT = "reconciled_at"
COMPARED_TO = "compared_to"
COMPARISON_BEGAN = "comparison_began"
COSTLY_COMPARISONS = "costly_comparisons"
READ_IN_FULL_AT = "read_in_full_at"
RECONCILED_FROM = "reconciled_from"
RECONCILED_SEARCHES = "reconciled_searches"
REDACTIONS_READ_UNTIL = "redactions_read_until"


class OrgMismatchError(KustomerError):
    """The pipeline's state and dataset belong to another org (API host) than the configured one."""

    def __init__(self, recorded: str, configured: str) -> None:
        super().__init__(
            f"This pipeline's state and dataset belong to {recorded}, not to the configured "
            f"{configured}: load {configured} into another dataset (--dataset <name>), or start "
            "this one over for it (--full-refresh drops its tables and state)."
        )
        self.recorded, self.configured = recorded, configured


def api_host(base_url: str) -> str:
    """`scheme://host[:port]` of an API base URL, lowercased: what identifies the org."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{host}{port}"


def refuse_if_bound_elsewhere(base_url: str) -> None:
    """Raises OrgMismatchError when the state at hand already belongs to another host (read
    only; usable in the source function, where a state not restored yet simply says nothing)."""
    try:
        recorded = dlt.current.source_state().get(API_HOST)
    except Exception:  # no active pipeline: nothing recorded to compare with
        return
    host = api_host(base_url)
    if recorded is not None and recorded != host:
        raise OrgMismatchError(recorded, host)


def bind_to_host(base_url: str) -> None:
    """Records the host in the source state on the first run; raises OrgMismatchError when the
    state already belongs to another host. Call it from a resource, where the state is the one
    dlt restored from the destination (the source function runs before that restore)."""
    host = api_host(base_url)
    state = dlt.current.source_state()
    recorded = state.setdefault(API_HOST, host)
    if recorded != host:
        raise OrgMismatchError(recorded, host)
