"""Benchmarks of the whole system; see bench/pipeline.py."""
