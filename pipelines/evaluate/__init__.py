"""Numbers about topics: coherence, alignment, agreement, labels, stability."""
