"""The analysis as plain functions: prepare, fit every model, compare, update incrementally."""
