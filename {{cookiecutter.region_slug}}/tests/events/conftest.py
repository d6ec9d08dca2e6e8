"""Event tests: the outgoing letters' office and flow helpers, the exchange's fake peer, and
a local plugin that records every domain event it is given."""

from __future__ import annotations

import pytest

from eoffice.events import EVENTS
from eoffice.plugins.toolkit import hookimpl
from tests.exchange.conftest import peer, wire  # noqa: F401 - shared fixtures
from tests.outgoing import conftest as outgoing

# The outgoing letters' fixtures, shared (assigned, as tests/outgoing/conftest.py does).
advance, make_draft, office, people = (outgoing.advance, outgoing.make_draft, outgoing.office,
                                       outgoing.people)
public_url, register = outgoing.public_url, outgoing.register



class Recorder:
    """A local plugin subscribed to every domain event, as a region would write one."""

    def __init__(self):
        self.seen = []

    def names(self) -> list[str]:
        return [event.name for event in self.seen]

    def clear(self) -> None:
        self.seen.clear()


def _subscribe(name: str):
    def impl(self, event):
        self.seen.append(event)

    impl.__name__ = f"eoffice_{name}"
    return hookimpl(impl)


for _name in EVENTS:
    setattr(Recorder, f"eoffice_{_name}", _subscribe(_name))


@pytest.fixture
def recorder(app):
    from eoffice.plugins.manager import plugin_manager

    plugin = Recorder()
    manager = plugin_manager(app)
    manager.register(plugin, name="test.recorder")
    try:
        yield plugin
    finally:
        manager.unregister(name="test.recorder")
