"""Files: the store's caches, atomic run directories, the run files."""
