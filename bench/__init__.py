"""rootguard's benchmarks: `python -m bench` runs every bench/bench_*.py, each printing ratios measured in one
run against a peer or a bound (see bench/README.md)."""
