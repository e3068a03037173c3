"""Warnings our fits cause on purpose, kept off the analyst's terminal.

scikit-learn's NMF warns when it stops at ``max_iter``; ours stop there by design (LDA's
NMF start runs 50 iterations, and LDA's passes refine it; the ``nmf`` family's topics
are usable unconverged). The filter is set for the whole process, not by
``warnings.catch_warnings`` around a fit: that block swaps the process's one filter
list and puts back the list it found, so another thread's block ending meanwhile (the
document map's, beside the levels, at a million documents) dropped the filter and the
warning reached stderr. Set once when the command starts, before any thread, it is in
every list a later block saves; each fit sets it again for library callers. Only this
warning of this module is filtered: no other warning is hidden.
"""

from __future__ import annotations

import warnings


def ignore_nmf_convergence() -> None:
    """Hide scikit-learn NMF's "Maximum number of iterations reached" (idempotent)."""
    warnings.filterwarnings(
        "ignore", message="Maximum number of iterations", module=r"sklearn\.decomposition\._nmf"
    )
