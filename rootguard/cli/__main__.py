"""`python -m rootguard.cli` is `rootguard`."""

import sys

from rootguard.cli import main

sys.exit(main())
