"""The npm ecosystem plug-in."""
