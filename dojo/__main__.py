"""`python -m dojo` runs the `dojo` command."""

import sys

from dojo.cli import main

sys.exit(main())
