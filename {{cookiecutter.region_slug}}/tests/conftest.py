"""Shared fixtures of the core's tests; the factories come from the eoffice pytest plugin."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from eoffice.config import REGION_ROOT
from tests.hostile import as_chief, chief, chief_token  # noqa: F401 - shared fixtures

pytest_plugins = ["eoffice.testing.pytest_plugin"]

# Hypothesis keeps nothing in the region's folder (which is also the template's source):
# no example database, and its other files in the system's temporary folder.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "eoffice-hypothesis")
settings.register_profile("eoffice", database=None, deadline=None)
settings.load_profile("eoffice")

EXAMPLE_PLUGIN = REGION_ROOT / "local" / "plugins" / "example"


@pytest.fixture(scope="session")
def app_config(app_config):
    """The plugin's test configuration, with English messages whatever the region's
    default language (assertions read the source strings) and the example plugin
    loaded when the region still has it."""
    from eoffice.config import build_config

    plugins = list(build_config()["PLUGINS_ENABLED"])
    if EXAMPLE_PLUGIN.is_dir() and "example" not in plugins:
        plugins.append("example")
    return app_config | {"BABEL_DEFAULT_LOCALE": "en", "PLUGINS_ENABLED": plugins}


@pytest.fixture(scope="session")
def csrf_app(_session_app, app_config):
    """A second app on the same database with CSRF protection on, as in production."""
    from eoffice import create_app

    return create_app(app_config | {"WTF_CSRF_ENABLED": True})


@pytest.fixture
def csrf_client(app, csrf_app):
    """Test client of ``csrf_app``; the data still lives in the test's rolled-back transaction."""
    return csrf_app.test_client()


@pytest.fixture
def admin(create_user):
    return create_user(roles=["admin"], full_name="Admin Uji")


@pytest.fixture
def as_admin(admin, login):
    """The test client, logged in as an administrator."""
    return login(admin)


@pytest.fixture(autouse=True)
def grants_follow_the_rules(request):
    """After every test that touched the database: the access grants are what the rules
    give (``flask eoffice access check``), and each user sees through them exactly what
    the rules written as subqueries allow (``tests/access/oracle``). Every flow the
    suite exercises is thereby also a test of the grants' upkeep."""
    if "app" not in request.fixturenames or request.node.get_closest_marker("e2e"):
        yield
        return
    request.getfixturevalue("app")
    yield
    import sqlalchemy as sa

    from eoffice import access
    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.letters.access import RULE as INCOMING
    from eoffice.letters.models import IncomingLetter
    from eoffice.outgoing.access import RULE as OUTGOING
    from eoffice.outgoing.models import OutgoingLetter
    from tests.access import oracle

    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        return
    db.session.rollback()  # whatever the test left half-done is not ours to check
    if db.session.scalar(sa.select(sa.func.count()).select_from(access.AccessGrant)) == 0 \
            and not db.session.scalar(sa.select(sa.func.count()).select_from(IncomingLetter)):
        return
    problems = [d for d in access.check() if not d.ok]
    assert not problems, f"access grants differ from the rules: {problems}"
    for user in db.session.scalars(sa.select(User)):
        for model, clause, rule in ((IncomingLetter, oracle.incoming_clause, INCOMING),
                                    (OutgoingLetter, oracle.outgoing_clause, OUTGOING)):
            expected = oracle.visible_by_oracle(user, model, clause)
            assert oracle.visible_by_grants(user, model, rule) == expected, \
                (user.username, model.__name__)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Lets ``grants_follow_the_rules`` skip its check when the test itself failed."""
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
