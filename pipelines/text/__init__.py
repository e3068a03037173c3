"""Text to tokens: cleaning, stopwords and the one shared preprocessing."""
