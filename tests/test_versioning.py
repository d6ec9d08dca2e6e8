"""The template's version: written once (eoffice/version.py), described in CHANGELOG.md."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT, TEMPLATE_DIR

VERSION_FILE = TEMPLATE_DIR / "eoffice" / "version.py"
CHANGELOG = ROOT / "CHANGELOG.md"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$")
SECTION = re.compile(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?\s*$", re.MULTILINE)


def template_version() -> str:
    match = re.search(r'^__version__ = "([^"]+)"$', VERSION_FILE.read_text(encoding="utf-8"),
                      re.MULTILINE)
    assert match, f"{VERSION_FILE} must hold one line __version__ = \"X.Y.Z\""
    return match.group(1)


def test_version_is_semantic():
    assert SEMVER.match(template_version())


def test_changelog_has_a_dated_section_for_the_version():
    sections = SECTION.findall(CHANGELOG.read_text(encoding="utf-8"))
    dated = {name: date for name, date in sections if name != "Unreleased"}
    assert template_version() in dated, (
        f"CHANGELOG.md has no section '## [{template_version()}] - YYYY-MM-DD': describe the "
        "release there (Keep a Changelog) when eoffice/version.py changes")
    assert dated[template_version()], "the release section needs its date"
    assert sections[0][0] == "Unreleased", "the newest section comes first: [Unreleased]"
    versions = [name for name, _date in sections if name != "Unreleased"]
    keys = [tuple(int(part) for part in v.split("-")[0].split(".")) for v in versions]
    assert keys == sorted(keys, reverse=True), "releases newest first"


def test_the_region_package_takes_its_version_from_the_core():
    text = (TEMPLATE_DIR / "pyproject.toml").read_text(encoding="utf-8")
    text = re.sub(r"\{\{.*?\}\}", "x", text)  # the few cookiecutter placeholders
    data = tomllib.loads(text)
    assert "version" not in data["project"] and "version" in data["project"]["dynamic"]
    assert data["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "eoffice.version.__version__"}
