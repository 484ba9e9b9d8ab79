"""The alert catalog and the judge that turns findings into alerts."""
