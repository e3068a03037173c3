"""Document vectors: the sentence-transformers embedder, its fast backend and its cache."""
