"""fsync's benchmarks (issue 6): one command each, results in bench/results/, docs/performance.md.

Run one with `python -m bench.<name>` (add `--smoke` for tiny sizes), then `python -m bench.report`.
"""
