"""The version of the core is shown in every page's footer and on the About page."""

from __future__ import annotations

from eoffice.version import __version__


def test_footer_shows_the_version(client):
    response = client.get("/masuk")
    assert response.status_code == 200
    assert f"v{__version__}</a>" in response.get_data(as_text=True)


def test_about_page_shows_the_version_and_plugins(client, as_admin):
    text = client.get("/tentang").get_data(as_text=True)
    assert f'id="version">{__version__}<' in text
    assert "eoffice.core" in text


def test_about_page_is_public_without_the_plugin_list(client):
    response = client.get("/tentang")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f'id="version">{__version__}<' in text
    assert "eoffice.core" not in text
