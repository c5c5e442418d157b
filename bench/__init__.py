"""Benchmarks against peers, each a script run on its own (see the README)."""
