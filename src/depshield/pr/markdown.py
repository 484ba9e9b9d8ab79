"""The pull-request comment now lives with the other renderers (reports/pr_markdown.py); this
name stays for server/jobs.py until that module imports the new one."""

from __future__ import annotations

from depshield.reports.pr_markdown import MARKER, render

__all__ = ["MARKER", "render"]
