"""Prefect wiring: the flow, its thin tasks, the Prefect environment and servers."""
