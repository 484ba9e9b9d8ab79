"""Lockfile and manifest parsers: project files -> locked packages and dependency edges."""
