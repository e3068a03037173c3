"""topicflow's pure computation: ingestion, preprocessing, models, comparison, report.

Nothing in this package imports Prefect; every function can be called from a
notebook or a plain script. Orchestration lives in ``flows``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("topicflow")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
