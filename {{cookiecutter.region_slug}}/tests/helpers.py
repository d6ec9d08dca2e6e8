"""Helpers for reading pages in tests."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


def form_classes(base) -> list[type]:
    """Every subclass of ``base`` (a form class), once the core's ``*.forms`` modules are
    imported so that none of theirs is missed."""
    import importlib
    import pkgutil

    import eoffice

    for module in pkgutil.walk_packages(eoffice.__path__, "eoffice."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return list(subclasses(base))


def page_text(response) -> str:
    """The response body with HTML entities decoded (``&#39;`` -> ``'``)."""
    return html.unescape(response.get_data(as_text=True))


class FormCollector(HTMLParser):
    """Collects every <form> with its method and the names/values of its inputs."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._current = {"method": (attributes.get("method") or "get").lower(),
                             "action": attributes.get("action"), "inputs": {}}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and attributes.get("name"):
            self._current["inputs"][attributes["name"]] = attributes.get("value")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def forms_of(response) -> list[dict]:
    collector = FormCollector()
    collector.feed(response.get_data(as_text=True))
    return collector.forms


def csrf_token_of(response) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no csrf_token on the page"
    return match.group(1)


def count(model, *where) -> int:
    """Rows of ``model`` (matching ``where``) as the test's transaction sees them."""
    import sqlalchemy as sa

    from eoffice.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
