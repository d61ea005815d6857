"""Names of the custom metrics the source writes on its resources (dlt keeps them in the trace;
the runner's summary reads them)."""

SKIP_METRIC = "skipped"
"""Custom metric of a resource that was skipped (a missing role): the reason, as one line."""
NOTE_METRIC = "sync_note"
"""Custom metric of a resource that keeps its own cursor: what the run read, as one line."""
