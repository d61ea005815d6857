"""The command around a run of the Kustomer source: `kustomer-dlt` and
`python pipelines/kustomer_pipeline.py`.

It makes the pipeline and its destination, runs one load (or a demo on the sandbox, or a chunked
backfill), and around it: one run at a time (`runlock`), what an earlier run left half done
(`resume`), Delta tables without duplicates (`lake`), history mode's clean-up (`history`),
progress while it runs (`progress`), what it did (`summary`) and one line for what went wrong
(`failures`). The source itself (`kustomer_source`) knows nothing of this package.
"""

from .cli import main, run

__all__ = ["main", "run"]
