"""Make the core's Bootstrap Icons subset: only the icons eoffice/ and local/ name.

    .venv/bin/python scripts/subset_icons.py
    .venv/bin/python scripts/subset_icons.py --local REGION FOLDER

The first form (maintainers) writes, in {{cookiecutter.region_slug}}/eoffice/static/icons/,

    bootstrap-icons-subset.woff2   the glyphs in use, cut from the full font
    bootstrap-icons-subset.css     @font-face (its URL carries the font's content hash,
                                   so it is cached like every versioned asset) and one
                                   .bi-<name>::before rule per icon

The second (a region's IT team, from a checkout of the template) writes
FOLDER/local-icons.woff2 and FOLDER/local-icons.css with only the icons that REGION's
local/ uses and the core's subset lacks. FOLDER is a local plugin's static folder; the
font is declared for its icons' code points only (unicode-range), so it adds to the
core's font instead of replacing it. Nothing in the core changes.

The source is the full Bootstrap Icons font (MIT) that Bootstrap-Flask ships in the
virtualenv; the glyphs and the base rule are copied unchanged, so icons look the same.
Which icons are in use is decided by eoffice/testing/icons.py, the same code that
tests/test_assets.py of the region runs: run this script after adding an icon to a
template or a navigation entry, and commit both files. See docs/dev/performance.md.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "{{cookiecutter.region_slug}}"
OUT = APP / "eoffice" / "static" / "icons"
NAME = "bootstrap-icons-subset"
# The same short content hash as eoffice/assets.py puts in every asset URL.
HASH_LENGTH = 12


def load_icons_module() -> ModuleType:
    """eoffice/testing/icons.py of the template (standard library only), imported
    without importing the app and without writing a __pycache__ into the template."""
    path = APP / "eoffice" / "testing" / "icons.py"
    spec = importlib.util.spec_from_file_location("template_eoffice_icons", path)
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


def source_font() -> tuple[str, Path]:
    """The full icon stylesheet's text and its WOFF2 file, from Bootstrap-Flask."""
    import flask_bootstrap

    folder = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5" / "css" / "font"
    return (folder / "bootstrap-icons.min.css").read_text(encoding="utf-8"), \
        folder / "fonts" / "bootstrap-icons.woff2"


def subset_font(source: Path, code_points: list[int]) -> bytes:
    import logging
    from io import BytesIO

    from fontTools import subset

    # The source font's post table has two padding bytes that fontTools reports.
    logging.getLogger("fontTools.ttLib.tables._p_o_s_t").setLevel(logging.ERROR)
    options = subset.Options()
    options.flavor = "woff2"
    options.name_IDs = ["*"]  # keep the font's names, its copyright and licence lines too
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    font.recalcTimestamp = False  # the same input makes the same bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=code_points)
    subsetter.subset(font)
    out = BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def stylesheet(full_css: str, icons: dict[str, int], font_url: str) -> str:
    """The full stylesheet's licence comment and base rule, our @font-face and the
    rules of ``icons`` only."""
    banner = re.match(r"\s*(/\*!.*?\*/)", full_css, re.DOTALL)
    base = re.search(r"\.bi::before,[^{]*\{[^}]*\}", full_css)
    if not banner or not base:
        sys.exit("scripts/subset_icons.py: the Bootstrap Icons stylesheet has an unknown layout")
    lines = [
        banner.group(1).rstrip("*/").rstrip() + "\n *\n"
        " * Subset: only the icons that eoffice/ and local/ use. Made by\n"
        " * scripts/subset_icons.py of the template; do not edit by hand.\n */",
        "@font-face{font-display:block;font-family:bootstrap-icons;"
        f'src:url("{font_url}") format("woff2")}}',
        base.group(0),
    ]
    lines += [f'.bi-{name}::before{{content:"\\{code:x}"}}' for name, code in sorted(icons.items())]
    return "\n".join(lines) + "\n"


def local_stylesheet(icons: dict[str, int], font_url: str) -> str:
    ranges = ",".join(f"U+{code:X}" for code in sorted(set(icons.values())))
    lines = [
        "/* Bootstrap Icons (MIT) that local/ uses and the core's subset lacks. Made by",
        " * scripts/subset_icons.py --local of the template; do not edit by hand. */",
        "@font-face{font-display:block;font-family:bootstrap-icons;"
        f'src:url("{font_url}") format("woff2");unicode-range:{ranges}}}',
    ]
    lines += [f'.bi-{name}::before{{content:"\\{code:x}"}}' for name, code in sorted(icons.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--local":
        if len(argv) != 3:
            sys.exit("usage: scripts/subset_icons.py --local REGION FOLDER")
        return make_local(Path(argv[1]).resolve(), Path(argv[2]).resolve())
    if argv:
        sys.exit(__doc__)
    icons_module = load_icons_module()
    use = icons_module.icons_in_use(APP)
    if use.unreadable:
        print("icons given by an expression that cannot be read (write them as literals):",
              *use.unreadable, sep="\n  ", file=sys.stderr)
        return 1
    full_css, full_font = source_font()
    available = icons_module.icons_in_css(full_css)
    unknown = sorted(set(use.icons) - set(available))
    if unknown:
        print("not a Bootstrap Icons name:", *(
            f"{name} ({', '.join(sorted(use.icons[name]))})" for name in unknown),
            sep="\n  ", file=sys.stderr)
        return 1
    chosen = {name: available[name] for name in use.icons}
    font = subset_font(full_font, sorted(set(chosen.values())))
    digest = hashlib.sha256(font).hexdigest()[:HASH_LENGTH]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{NAME}.woff2").write_bytes(font)
    css = stylesheet(full_css, chosen, f"{NAME}.woff2?v={digest}")
    (OUT / f"{NAME}.css").write_text(css, encoding="utf-8")
    print(f"{len(chosen)} icons: {OUT.relative_to(ROOT)}/{NAME}.woff2 ({len(font)} bytes), "
          f"{NAME}.css ({len(css.encode())} bytes)")
    return 0


def make_local(region: Path, folder: Path) -> int:
    icons_module = load_icons_module()
    core_css = region / "eoffice" / "static" / "icons" / f"{NAME}.css"
    if not core_css.is_file():
        sys.exit(f"{region}: no {core_css.relative_to(region)} (not a region, or an old core)")
    in_core = icons_module.icons_in_css(core_css.read_text(encoding="utf-8"))
    use = icons_module.icons_in_use(region)
    unreadable = [u for u in use.unreadable if u.startswith("local/")]
    if unreadable:
        print("icons given by an expression that cannot be read (write them as literals):",
              *unreadable, sep="\n  ", file=sys.stderr)
        return 1
    local = {name: places for name, places in use.icons.items()
             if name not in in_core and any(p.startswith("local/") for p in places)}
    if not local:
        print("every icon that local/ uses is in the core's subset: nothing to write")
        return 0
    full_css, full_font = source_font()
    available = icons_module.icons_in_css(full_css)
    unknown = sorted(set(local) - set(available))
    if unknown:
        print("not a Bootstrap Icons name:", *(
            f"{name} ({', '.join(sorted(local[name]))})" for name in unknown),
            sep="\n  ", file=sys.stderr)
        return 1
    chosen = {name: available[name] for name in local}
    font = subset_font(full_font, sorted(set(chosen.values())))
    digest = hashlib.sha256(font).hexdigest()[:HASH_LENGTH]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "local-icons.woff2").write_bytes(font)
    css = local_stylesheet(chosen, f"local-icons.woff2?v={digest}")
    (folder / "local-icons.css").write_text(css, encoding="utf-8")
    print(f"{len(chosen)} icons ({', '.join(sorted(chosen))}): {folder}/local-icons.css, "
          "local-icons.woff2")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
