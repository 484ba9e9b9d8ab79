"""Ecosystem plug-ins: registry clients, spec parsing and manifest analysis per ecosystem."""
