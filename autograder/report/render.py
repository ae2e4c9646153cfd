"""The Jinja2 environment of the HTML pages (autoescaped: every submission-supplied text is escaped)."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
PAGES = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                    keep_trailing_newline=True)


def render(template: str, **values) -> str:
    return PAGES.get_template(template).render(**values)
