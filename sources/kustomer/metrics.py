"""Names of the custom metrics the source writes on its resources (dlt keeps them in the trace;
the runner's summary reads them)."""

SKIP_METRIC = "skipped"
"""Custom metric of a resource that was skipped (a missing role): the reason, as one line."""
NOTE_METRIC = "sync_note"
"""Custom metric of a resource that keeps its own cursor: what the run read, as one line."""
REMOVED_METRIC = "removed"
"""Custom metric of a search-synced resource: records found gone from the org this run."""
RELOADED_METRIC = "reloaded"
"""Custom metric of a search-synced resource: records the reconciliation loaded again."""
RECONCILED_METRIC = "reconciled"
"""Custom metric of a search-synced resource: what the reconciliation did, as one line."""
COMPARED_TO_METRIC = "compared_to"
"""Custom metric of a search-synced resource whose comparison with the org spent its searches
for the run: the `createdAt` it reached, which the next run goes on from."""
