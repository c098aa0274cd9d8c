"""`python -m rootguard.sandbox`: serve a scenario, the same command as `rootguard sandbox serve`."""

from rootguard.sandbox.serve import serve_main

raise SystemExit(serve_main())
