"""Dependencies stay declared and locked.

What the generated code imports, its pyproject installs.

A region installs itself with `pip install -e .` (scripts/demo.sh, deploy/README.md),
so a module that the core imports without declaring it breaks a fresh install even
when every test passes in a developer's environment. The template's own test
environment (requirements-dev.txt) must in turn hold everything the region declares.

And every version is pinned: requirements.lock (made by scripts/lock.sh) holds one exact
version of each dependency and of everything they bring in; scripts/test.sh, the demo and
the regions' installs use it as pip constraints, so what a region runs is what was tested.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from conftest import ROOT, TEMPLATE_DIR
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# The region's first-party packages and folders.
FIRST_PARTY = {"eoffice", "local", "tests", "conftest", "wsgi", "migrations"}
RUNTIME_CODE = ("eoffice", "local", "migrations", "wsgi.py")
LOCK = TEMPLATE_DIR / "requirements.lock"
PIN_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")
TEST_CODE = ("tests", "eoffice/testing")


def region_pyproject() -> dict:
    # Only [project] metadata is rendered; the values needed here hold no placeholder.
    text = (TEMPLATE_DIR / "pyproject.toml").read_text(encoding="utf-8")
    return tomllib.loads(re.sub(r"\{\{.*?\}\}", "x", text))


def requirements(lines: list[str]) -> list[Requirement]:
    found = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found.append(Requirement(line))
    return found


def declared(include_test: bool) -> list[Requirement]:
    project = region_pyproject()["project"]
    lines = list(project.get("dependencies", []))
    if include_test:
        lines += project.get("optional-dependencies", {}).get("test", [])
    return requirements(lines)


def installable_closure(roots: list[Requirement]) -> set[str]:
    """Distributions that installing ``roots`` brings in (read from installed metadata)."""
    seen: set[str] = set()
    queue = [(canonicalize_name(req.name), set(req.extras)) for req in roots]
    while queue:
        name, extras = queue.pop()
        key = name + "[" + ",".join(sorted(extras)) + "]"
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker and not any(
                req.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                continue
            queue.append((canonicalize_name(req.name), set(req.extras)))
    return {key.split("[", 1)[0] for key in seen}


def imports_of(paths: list[Path]) -> dict[str, set[str]]:
    """Top-level module names imported (anywhere, lazily too) -> files importing them."""
    found: dict[str, set[str]] = {}
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(
                    str(path.relative_to(TEMPLATE_DIR))
                )
    return found


def python_files(parts: tuple[str, ...], exclude: tuple[str, ...] = ()) -> list[Path]:
    files = []
    for part in parts:
        target = TEMPLATE_DIR / part
        candidates = [target] if target.is_file() else sorted(target.rglob("*.py"))
        for path in candidates:
            relative = path.relative_to(TEMPLATE_DIR).as_posix()
            if not any(relative.startswith(prefix + "/") for prefix in exclude):
                files.append(path)
    return files


def undeclared_imports(files: list[Path], include_test: bool) -> list[str]:
    allowed = installable_closure(declared(include_test))
    distributions = metadata.packages_distributions()
    problems = []
    for module, users in sorted(imports_of(files).items()):
        if module in sys.stdlib_module_names or module in FIRST_PARTY or module == "__future__":
            continue
        providers = {canonicalize_name(dist) for dist in distributions.get(module, [])}
        if not providers & allowed:
            where = ", ".join(sorted(users)[:3])
            problems.append(f"{module} (provided by {sorted(providers) or 'nothing installed'};"
                            f" imported in {where})")
    return problems


@pytest.mark.skipif(not (TEMPLATE_DIR / "eoffice").is_dir(), reason="the core is not there yet")
def test_runtime_imports_are_declared_in_the_region_pyproject():
    problems = undeclared_imports(python_files(RUNTIME_CODE, exclude=TEST_CODE[1:]), False)
    assert not problems, (
        "add to [project].dependencies of the region's pyproject.toml (and to "
        "requirements-dev.txt):\n  " + "\n  ".join(problems)
    )


@pytest.mark.skipif(not (TEMPLATE_DIR / "tests").is_dir(), reason="the core's tests are not there")
def test_test_imports_are_declared_in_the_region_pyproject():
    problems = undeclared_imports(python_files(TEST_CODE), include_test=True)
    assert not problems, (
        "add to [project.optional-dependencies].test of the region's pyproject.toml (and to "
        "requirements-dev.txt):\n  " + "\n  ".join(problems)
    )


def test_requirements_dev_holds_what_the_region_declares():
    ours = {
        canonicalize_name(req.name)
        for req in requirements((ROOT / "requirements-dev.txt").read_text().splitlines())
    }
    missing = sorted(
        {canonicalize_name(req.name) for req in declared(include_test=True)} - ours
    )
    assert not missing, "add to requirements-dev.txt: " + ", ".join(missing)


# --- requirements.lock ------------------------------------------------------------------------


def dev_requirements() -> list[Requirement]:
    return requirements((ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines())


def locked() -> dict[str, Version]:
    """{canonical name: version} of the lock; every entry must be a plain exact pin."""
    pins: dict[str, Version] = {}
    for number, raw in enumerate(LOCK.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN_RE.match(line)
        assert match, f"requirements.lock:{number}: not a name==version pin: {raw!r}"
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"requirements.lock:{number}: {name} is pinned twice"
        try:
            pins[name] = Version(match.group(2))
        except InvalidVersion:
            pytest.fail(f"requirements.lock:{number}: {match.group(2)!r} is not a version")
    return pins


def test_lock_pins_exact_versions_only():
    # Every line is name==version, once: no pip option (an index or a wheel folder of one
    # machine), no URL, no extras (pip refuses extras in a constraints file).
    assert len(locked()) > 20


def test_lock_holds_every_declared_dependency_at_an_allowed_version():
    pins = locked()
    declared_here = declared(include_test=True) + dev_requirements()
    missing, outside = [], []
    for req in declared_here:
        name = canonicalize_name(req.name)
        if name not in pins:
            missing.append(str(req))
        elif not req.specifier.contains(pins[name], prereleases=True):
            outside.append(f"{req} (locked {pins[name]})")
    assert not missing and not outside, (
        "run `bash scripts/lock.sh` (docs/dev/dependencies.md); "
        f"not locked: {missing}; locked outside the declared range: {outside}"
    )


def test_lock_holds_what_the_dependencies_bring_in():
    """Transitive dependencies too (read from the installed metadata), extras included."""
    pins = locked()
    closure = installable_closure(declared(include_test=True) + dev_requirements())
    installed = {name for name in closure if _installed_version(name) is not None}
    missing = sorted(installed - set(pins))
    assert not missing, f"run `bash scripts/lock.sh`; not in requirements.lock: {missing}"


def _installed_version(name: str) -> Version | None:
    try:
        return Version(metadata.version(name))
    except metadata.PackageNotFoundError:
        return None


def test_the_tests_run_on_the_locked_versions():
    """scripts/test.sh installs with `-c requirements.lock`: what passed here is what is locked."""
    pins = locked()
    closure = installable_closure(declared(include_test=True) + dev_requirements())
    differing = sorted(
        f"{name} {_installed_version(name)} (locked {pins[name]})"
        for name in closure
        if name in pins and _installed_version(name) not in (None, pins[name])
    )
    assert not differing, (
        "this environment is not the locked one: "
        "pip install -c '{{cookiecutter.region_slug}}/requirements.lock' -r requirements-dev.txt"
        "\n  " + "\n  ".join(differing)
    )


INSTALL_RE = re.compile(r"pip(?:_install_once)?\b.*\s-e\s")


def install_instructions() -> list[Path]:
    """Where a region's install is written down: docs, scripts, the post hook, deploy/."""
    return sorted(
        [ROOT / "README.md", ROOT / "hooks" / "post_gen_project.py",
         TEMPLATE_DIR / "deploy" / "README.md", *(ROOT / "docs").rglob("*.md"),
         *(ROOT / "scripts").glob("*.sh")]
    )


def test_every_install_of_the_region_uses_the_lock():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in install_instructions()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if INSTALL_RE.search(line) and "-c" not in line.split(" -e ")[0]
    ]
    assert offenders == [], "install with `-c requirements.lock`:\n  " + "\n  ".join(offenders)


def test_scripts_install_the_test_environment_with_the_lock():
    test_sh = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert 'LOCK="{{cookiecutter.region_slug}}/requirements.lock"' in test_sh
    # The install stamp covers the lock too: a changed lock is installed before the tests.
    assert 'pip_install_once "$VENV" "requirements-dev.txt $LOCK" -c "$LOCK"' in test_sh
