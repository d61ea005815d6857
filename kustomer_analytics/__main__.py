"""`python -m kustomer_analytics`: the report command."""

import sys

from .cli import main

sys.exit(main())
