"""Benchmark harness: see bench/README.md. Nothing here is part of the served project."""
