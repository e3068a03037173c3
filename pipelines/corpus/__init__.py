"""Reading a corpus: input formats, ingestion, and the ingested documents."""
