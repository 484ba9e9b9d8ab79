"""Renderers: a result in, text out; the table of formats is in reports/formats.py."""
