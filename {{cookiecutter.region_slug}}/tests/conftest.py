"""Shared fixtures of the core's tests; the factories come from the eoffice pytest plugin."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from eoffice.config import REGION_ROOT

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
