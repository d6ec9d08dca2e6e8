"""Which Bootstrap Icons the code names, and which an icon stylesheet provides.

The pages load a subset of the Bootstrap Icons font (``eoffice/static/icons/``, made
by the template's ``scripts/subset_icons.py``) that holds only the icons ``eoffice/``
and ``local/`` use. ``tests/test_assets.py`` compares the two, so a template or a
plugin that names an icon missing from the subset fails a test instead of showing
an empty square.

Icons are found where the code names them:

- templates (and scripts under ``static/``): a class ``bi-<name>``; inside
  ``bi-{{ ... }}`` the string literals (the first word of each, so
  ``'star-fill text-warning'`` is ``star-fill``); an ``icon='<name>'`` argument;
- Python: ``icon=`` keyword arguments, the icon's position in ``NavItem``,
  ``NavGroup`` and ``DashboardCard`` calls, the default of an ``icon`` field, and
  the string literals bound to a name passed there (an assignment, or a ``for``
  loop over a literal tuple of tuples).

An icon given by any other expression (a call, an attribute, a parameter) cannot be
read here and is reported as unreadable: write the name as a literal.

Standard library only: the template's ``scripts/subset_icons.py`` loads this file
without importing the app.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

# Position of the ``icon`` argument in the layout dataclasses of ``eoffice.ui``
# (tests/test_assets.py checks these against the dataclasses' fields).
ICON_POSITION = {"NavItem": 2, "NavGroup": 2, "DashboardCard": 3}

SCANNED_FOLDERS = ("eoffice", "local")
SKIPPED_FOLDERS = ("eoffice/testing",)
TEXT_SUFFIXES = (".html", ".js")

_ICON_CLASS = re.compile(r"(?<![\w-])bi-([a-z0-9]+(?:-[a-z0-9]+)*)")
_DYNAMIC_CLASS = re.compile(r"(?<![\w-])bi-\{\{(.*?)\}\}", re.DOTALL)
_STRING = re.compile(r"'([^'\\]*)'|\"([^\"\\]*)\"")
_ICON_ARGUMENT = re.compile(r"\bicon\s*=\s*(?:'([^'\\]*)'|\"([^\"\\]*)\")")
_CSS_ICON_RULE = re.compile(
    r'\.bi-([a-z0-9]+(?:-[a-z0-9]+)*)::?before\s*\{\s*content:\s*"\\([0-9a-fA-F]+)"\s*;?\s*\}')


@dataclass
class IconUse:
    """Icon names with the places (``path:line``) that name them."""

    icons: dict[str, set[str]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    def add(self, name: str, where: str) -> None:
        name = name.strip().split()[0] if name.strip() else ""
        if name:
            self.icons.setdefault(name, set()).add(where)


def icons_in_use(root: Path) -> IconUse:
    """Every icon that the templates, scripts and Python code under ``root`` (a region's
    folder) name, in ``eoffice/`` and ``local/``."""
    use = IconUse()
    for folder in SCANNED_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if not path.is_file() or any(relative.startswith(s + "/") for s in SKIPPED_FOLDERS):
                continue
            if path.suffix in TEXT_SUFFIXES:
                _scan_text(path.read_text(encoding="utf-8"), relative, use)
            elif path.suffix == ".py":
                _scan_python(path.read_text(encoding="utf-8"), relative, use)
    return use


def icons_in_css(text: str) -> dict[str, int]:
    """``{icon name: code point}`` of the ``.bi-<name>::before`` rules of a stylesheet."""
    return {name: int(code, 16) for name, code in _CSS_ICON_RULE.findall(text)}


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _scan_text(text: str, relative: str, use: IconUse) -> None:
    for match in _ICON_CLASS.finditer(text):
        use.add(match.group(1), f"{relative}:{_line(text, match.start())}")
    for match in _DYNAMIC_CLASS.finditer(text):
        for literal in _STRING.finditer(match.group(1)):
            use.add(literal.group(1) or literal.group(2) or "",
                    f"{relative}:{_line(text, match.start())}")
    for match in _ICON_ARGUMENT.finditer(text):
        use.add(match.group(1) or match.group(2) or "", f"{relative}:{_line(text, match.start())}")


def _literal_strings(node: ast.AST) -> list[str] | None:
    """The strings an expression can be, when it is made of string literals only."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literal_strings(node.body), _literal_strings(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


class _Bindings:
    """The string literals each name of a module is bound to (None: bound to
    something else somewhere, so it cannot be read)."""

    def __init__(self, tree: ast.AST) -> None:
        self.values: dict[str, list[str] | None] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind(target, node.value)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                self._bind(node.target, node.value)
            elif isinstance(node, ast.AugAssign):
                self._bind(node.target, node)  # not a literal: the name cannot be read
            elif isinstance(node, ast.For | ast.comprehension):
                self._bind_loop(node.target, node.iter)
            elif isinstance(node, ast.arg):
                self.values[node.arg] = None

    def _bind(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self._add(target.id, _literal_strings(value))
        elif isinstance(target, ast.Tuple | ast.List):
            if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
                for one, other in zip(target.elts, value.elts, strict=True):
                    self._bind(one, other)
            else:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        self._add(name.id, None)

    def _bind_loop(self, target: ast.AST, iterable: ast.AST) -> None:
        if isinstance(iterable, ast.Tuple | ast.List):
            for element in iterable.elts:
                self._bind(target, element)
        else:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    self._add(name.id, None)

    def _add(self, name: str, strings: list[str] | None) -> None:
        if strings is None or self.values.get(name, []) is None:
            self.values[name] = None
        else:
            self.values[name] = [*self.values.get(name, []), *strings]

    def strings(self, node: ast.AST) -> list[str] | None:
        found = _literal_strings(node)
        if found is None and isinstance(node, ast.Name):
            found = self.values.get(node.id)
        return found


def _callee(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _scan_python(text: str, relative: str, use: IconUse) -> None:
    tree = ast.parse(text, filename=relative)
    bindings = _Bindings(tree)
    given: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            given += [kw.value for kw in node.keywords if kw.arg == "icon"]
            position = ICON_POSITION.get(_callee(node.func) or "")
            if position is not None and len(node.args) > position:
                given.append(node.args[position])
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, ast.AnnAssign) and statement.value is not None \
                        and isinstance(statement.target, ast.Name) \
                        and statement.target.id == "icon":
                    given.append(statement.value)
    for expression in given:
        where = f"{relative}:{expression.lineno}"
        strings = bindings.strings(expression)
        if strings is None:
            use.unreadable.append(f"{where}: {ast.unparse(expression)}")
        for name in strings or []:
            use.add(name, where)
