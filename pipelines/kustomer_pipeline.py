"""Load a Kustomer org with dlt: `python pipelines/kustomer_pipeline.py --demo` to try it on the
local sandbox, or without `--demo` to load a real org with the settings in `.dlt/`.

The command itself is `kustomer_runner` (also installed as `kustomer-dlt`); `--help` lists its
options. This script is what `dlt deploy` schedules: it reads the pipeline's name from the one
literal `dlt.pipeline(...)` call below, and looks for a call to `.run(...)`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dlt

from kustomer_runner import cli

# `dlt deploy` runs this script from pipelines/: read the project's .dlt/ from the repo root then.
_ROOT = Path(__file__).resolve().parent.parent
if not Path(".dlt").is_dir() and (_ROOT / ".dlt").is_dir():
    os.environ.setdefault("DLT_PROJECT_DIR", str(_ROOT))


def kustomer_pipeline(destination: Any, dataset_name: str, progress: Any) -> dlt.Pipeline:
    """The org's pipeline (the demo has its own, `kustomer_demo`)."""
    return dlt.pipeline(
        pipeline_name="kustomer",
        destination=destination,
        dataset_name=dataset_name,
        progress=progress,
    )


if __name__ == "__main__":
    sys.exit(cli.run(kustomer_pipeline))
