"""`python -m rootguard` is `rootguard`."""

import sys

from rootguard.cli import main

sys.exit(main())
