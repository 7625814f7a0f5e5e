"""Benchmarks: measurements printed as tables, with baselines run in the same invocation (not tests)."""
