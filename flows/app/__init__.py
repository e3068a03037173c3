"""Prefect-free application code: the CLI, the run envelope, reuse and cache keys."""
