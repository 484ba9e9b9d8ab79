"""The PyPI ecosystem plug-in."""
