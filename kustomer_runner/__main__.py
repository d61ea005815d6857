"""`python -m kustomer_runner`: the `kustomer-dlt` command."""

import sys

from .cli import entry

sys.exit(entry())
