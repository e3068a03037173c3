"""Orchestration only: the Prefect flow, its thin task wrappers, and the CLI."""
