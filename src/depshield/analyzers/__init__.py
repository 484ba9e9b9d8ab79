"""Per-file analyzers: pure functions from (path, bytes) to findings."""
