"""The web dashboard: what the service judged (results store) and the pages that show it."""
