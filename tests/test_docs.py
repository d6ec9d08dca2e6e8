"""The documentation says what the code does.

- docs/dev/plugins.md shows the example plugin exactly as the template ships it
  (``local/plugins/example/__init__.py``), byte for byte.
- docs/it/region-toml.md lists every option of ``eoffice/config.py`` (``OPTIONS``)
  with its region.toml key, default and environment variable, and nothing else.
- Every ``flask eoffice ...`` and ``flask db ...`` command the docs show exists in a
  baked region, with the options the docs give it, and answers ``--help``.
- Relative links between the documents lead to files that exist.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT, TEMPLATE_DIR

DOCS = ROOT / "docs"
PLUGINS_DOC = DOCS / "dev" / "plugins.md"
REGION_TOML_DOC = DOCS / "it" / "region-toml.md"
EXAMPLE_PLUGIN = TEMPLATE_DIR / "local" / "plugins" / "example" / "__init__.py"
CONFIG_PY = TEMPLATE_DIR / "eoffice" / "config.py"


def markdown_files() -> list[Path]:
    """The docs, the repository's README and the README every region gets."""
    return sorted(DOCS.rglob("*.md")) + [ROOT / "README.md", TEMPLATE_DIR / "README.md"]


def between(text: str, name: str) -> str:
    """The text between ``<!-- name:start -->`` and ``<!-- name:end -->`` (exactly one pair)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    assert text.count(start) == 1 and text.count(end) == 1, f"expected one {start} ... {end}"
    return text.split(start, 1)[1].split(end, 1)[0]


# --- the example plugin in docs/dev/plugins.md --------------------------------------------------


def test_plugin_guide_shows_the_example_plugin_byte_for_byte():
    block = between(PLUGINS_DOC.read_text(encoding="utf-8"), "example-plugin")
    fenced = re.fullmatch(r"\s*```python\n(.*?)^```\s*", block, re.DOTALL | re.MULTILINE)
    assert fenced, "the example-plugin markers must hold one ```python block and nothing else"
    shown = fenced.group(1).encode("utf-8")
    shipped = EXAMPLE_PLUGIN.read_bytes()
    assert shown == shipped, (
        "docs/dev/plugins.md no longer shows local/plugins/example/__init__.py as shipped: "
        "copy the file into the block between the example-plugin markers"
    )


# --- docs/it/region-toml.md against eoffice/config.py ---------------------------------------------


@pytest.fixture(scope="module")
def config_module() -> ModuleType:
    """The template's eoffice/config.py (standard library only), imported without
    writing a __pycache__ into the template folder."""
    spec = importlib.util.spec_from_file_location("template_eoffice_config", CONFIG_PY)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    previous = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = previous
        del sys.modules[spec.name]
    return module


def toml_literal(value: object) -> str:
    """A default as the docs write it: the TOML spelling of the value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_literal(v)}" for k, v in value.items()) + "}"
    raise AssertionError(f"no TOML spelling for {value!r}")


ROW_RE = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*`([^`]*)`\s*\|\s*(?:`([^`]+)`|–)\s*\|", re.MULTILINE)


def documented_rows(name: str) -> dict[str, tuple[str, str | None]]:
    """``{first column: (default, third column or None)}`` of the tables between markers."""
    section = between(REGION_TOML_DOC.read_text(encoding="utf-8"), name)
    rows: dict[str, tuple[str, str | None]] = {}
    for key, default, third in ROW_RE.findall(section):
        assert key not in rows, f"{key} is listed twice in docs/it/region-toml.md"
        rows[key] = (default, third or None)
    return rows


def test_region_toml_doc_lists_every_option_and_only_those(config_module):
    documented = documented_rows("options")
    declared = {o.toml: o for o in config_module.OPTIONS if o.toml}
    assert sorted(set(declared) - set(documented)) == [], "options missing from region-toml.md"
    assert sorted(set(documented) - set(declared)) == [], "region-toml.md lists unknown keys"
    for key, option in declared.items():
        default, env = documented[key]
        assert default == toml_literal(option.default), f"{key}: default in the docs"
        assert env == option.env, f"{key}: environment variable in the docs"


def test_region_toml_doc_lists_every_environment_variable(config_module):
    documented = documented_rows("env")
    declared = {o.env: o for o in config_module.OPTIONS if o.env}
    assert sorted(set(declared) - set(documented)) == [], "variables missing from region-toml.md"
    assert sorted(set(documented) - set(declared)) == [], "region-toml.md lists unknown variables"
    for env, option in declared.items():
        default, key = documented[env]
        assert default == toml_literal(option.default), f"{env}: default in the docs"
        assert key == option.toml, f"{env}: region.toml key in the docs"


# --- environment variables named anywhere in the docs ---------------------------------------------

# Code that reads the environment besides config.OPTIONS: the app, its tests, deploy/ and the
# scripts (a quoted EOFFICE_ name counts: commands keep the names they read in constants).
ENV_READ_RE = re.compile(r"""(?:environ(?:\.get)?\(?\[?|getenv\()["']([A-Z][A-Z0-9_]+)["']"""
                         r"""|["'](EOFFICE_[A-Z0-9_]+)["']""")
SHELL_ENV_RE = re.compile(r"\$\{?(EOFFICE_[A-Z0-9_]+)")
EOFFICE_NAME_RE = re.compile(r"(?<![A-Za-z0-9_])EOFFICE_[A-Z0-9_]*[A-Z0-9]")
BARE_NAME_RE = re.compile(r"(?<![A-Za-z0-9_.])([A-Z][A-Z0-9_]{2,}[A-Z0-9])(?=`|=)")


def environment_read(config_module) -> set[str]:
    names = {o.env for o in config_module.OPTIONS if o.env}
    for folder in (TEMPLATE_DIR, ROOT / "scripts", ROOT / "hooks"):
        for path in folder.rglob("*"):
            if path.suffix in (".py", ".sh") and path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                names |= {a or b for a, b in ENV_READ_RE.findall(text)}
                names |= set(SHELL_ENV_RE.findall(text))
    return names


def documents_naming_variables() -> list[Path]:
    deploy = TEMPLATE_DIR / "deploy"
    kinds = (".md", ".service", ".conf", ".py")
    return markdown_files() + sorted(p for p in deploy.iterdir() if p.suffix in kinds)


def test_every_environment_variable_the_docs_name_is_one_the_app_reads(config_module):
    """A variable the docs tell an operator to set must exist: ``PUBLIC_BASE_URL`` in .env
    was once documented while the app reads ``EOFFICE_PUBLIC_BASE_URL``, so QR codes
    silently fell back to the request's host. A bare name that is an EOFFICE_ variable
    without its prefix is the same mistake."""
    read = environment_read(config_module)
    wrong = []
    for path in documents_naming_variables():
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{number}"
            wrong += [f"{where}: {name} is read by nothing" for name in
                      EOFFICE_NAME_RE.findall(line) if name not in read]
            wrong += [f"{where}: {name} should be EOFFICE_{name}" for name in
                      BARE_NAME_RE.findall(line) if f"EOFFICE_{name}" in read]
    assert wrong == [], "\n".join(wrong)


# --- commands ------------------------------------------------------------------------------------

COMMAND_RE = re.compile(r"\bflask\s+(?:--app\s+\S+\s+)?(eoffice|db)\b([^`\n]*)")
# A command line ends at a comment, a shell operator, a redirection or a closing bracket.
END_OF_COMMAND_RE = re.compile(r"\s#|&&|\|\||[|;)>]")
OPTION_RE = re.compile(r"--?[A-Za-z][\w-]*(=.*)?")
# Commands that a document itself defines as an example (a local plugin's command).
EXAMPLE_COMMAND_RE = re.compile(r"""click\.command\(\s*["']([a-z][a-z0-9-]*)["']""")

LIST_COMMANDS = r"""
import json, sys
import click
from flask_migrate.cli import db as db_group
from eoffice import create_app

app = create_app({"TESTING": True})
eoffice_group = app.cli.get_command(click.Context(app.cli), "eoffice")
tree, failures = {}, {}
runner = app.test_cli_runner()

def walk(command, path):
    options = {"--help"}
    for param in command.params:
        options.update(param.opts)
        options.update(param.secondary_opts)
    tree[" ".join(path)] = {"options": sorted(o for o in options if o.startswith("-")),
                            "group": isinstance(command, click.Group)}
    result = runner.invoke(args=[*path, "--help"])
    if result.exit_code != 0:
        failures[" ".join(path)] = result.output[-500:] + repr(result.exception)
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            walk(sub, [*path, name])

app.cli.add_command(db_group)  # `flask db` comes from Flask-Migrate's entry point
walk(eoffice_group, ["eoffice"])
walk(db_group, ["db"])
json.dump({"tree": tree, "failures": failures}, sys.stdout)
"""


def join_continued_lines(text: str) -> str:
    return re.sub(r"\\\n\s*", " ", text)


def documented_commands() -> list[tuple[str, list[str], list[str]]]:
    """(document, words after `flask`, option tokens) of every command the docs show."""
    found = []
    for path in markdown_files():
        text = join_continued_lines(path.read_text(encoding="utf-8"))
        for match in COMMAND_RE.finditer(text):
            rest = END_OF_COMMAND_RE.split(match.group(2), maxsplit=1)[0]
            tokens = rest.split()
            words = [match.group(1)]
            while tokens and re.fullmatch(r"[a-z][a-z0-9-]*", tokens[0]):
                words.append(tokens.pop(0))
            options = [t.split("=", 1)[0] for t in tokens if OPTION_RE.fullmatch(t)]
            found.append((str(path.relative_to(ROOT)), words, options))
    return found


def example_commands() -> set[str]:
    return {name for path in markdown_files()
            for name in EXAMPLE_COMMAND_RE.findall(path.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def region_cli(cookies_session) -> dict:
    """Every command under `flask eoffice` and `flask db` of a baked region, with its
    options, and the commands whose --help failed."""
    result = cookies_session.bake(extra_context={})
    assert result.exit_code == 0, f"bake failed: {result.exception!r}"
    project = result.project_path
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EOFFICE_", "FLASK_", "PYTEST_")) and k not in {"DATABASE_URL"}}
    env.update(PYTHONPATH=str(project), PYTHONDONTWRITEBYTECODE="1")
    run = subprocess.run([sys.executable, "-c", LIST_COMMANDS], cwd=project, env=env,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def test_docs_show_commands(region_cli):
    names = {" ".join(words[:2]) for _doc, words, _options in documented_commands()}
    # The guides name the everyday commands; a rename upstream must reach them.
    assert {"eoffice check", "eoffice create-admin", "eoffice demo", "db upgrade"} <= names


def test_every_region_command_answers_help(region_cli):
    assert region_cli["failures"] == {}


def test_every_documented_command_exists_with_its_options(region_cli):
    tree, examples = region_cli["tree"], example_commands()
    problems = []
    for doc, words, options in documented_commands():
        if len(words) == 1:
            continue  # "flask eoffice" alone, or followed by a placeholder such as <command>
        if words[0] == "eoffice" and words[1] in examples:
            continue  # a command that the docs define in an example plugin
        path = words[:2]
        if " ".join(path) not in tree:
            problems.append(f"{doc}: `flask {' '.join(words)}`: no `flask {' '.join(path)}`")
            continue
        for word in words[2:]:  # subcommands of a group; the first other word is an argument
            if not tree[" ".join(path)]["group"] or " ".join([*path, word]) not in tree:
                break
            path.append(word)
        if tree[" ".join(path)]["group"] and len(path) == len(words) and not options:
            continue  # a group named on its own, e.g. `flask eoffice token`
        known = set(tree[" ".join(path)]["options"])
        problems += [f"{doc}: `flask {' '.join(path)}` has no option {option}"
                     for option in options if option not in known]
    assert problems == []


# --- links ---------------------------------------------------------------------------------------

LINK_RE = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE_RE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)


def anchors(markdown: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file."""
    text = FENCE_RE.sub("", markdown.read_text(encoding="utf-8"))
    found = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_relative_links_lead_to_existing_files_and_headings():
    broken = []
    for path in markdown_files():
        text = FENCE_RE.sub("", path.read_text(encoding="utf-8"))
        for target in LINK_RE.findall(text):
            if re.match(r"[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part) if file_part else path
            if not linked.exists():
                broken.append(f"{path.relative_to(ROOT)}: {target}")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{path.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []
