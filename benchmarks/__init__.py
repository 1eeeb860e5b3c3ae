"""Benchmarks that print ratios against anchors measured in the same run (not timed tests)."""
