"""Run history in a SQL database, and what changed between runs (drift)."""
