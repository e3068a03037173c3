"""Classical topics: LDA (gensim) as a scikit-learn-style estimator."""
