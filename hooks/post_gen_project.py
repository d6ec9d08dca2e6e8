"""Finish a freshly generated region; safe to run again (cruft runs it on every update).

- ``.env`` is written with a random SECRET_KEY only when it does not exist yet,
  so a region's secrets are never replaced; for PostgreSQL it also carries the
  DATABASE_URL line of ``.env.example``.
- A timezone answered in another letter case (``asia/makassar``) is written to
  ``region.toml`` under its IANA name.
- Files that the chosen options do not use are pruned (``UNUSED_BY_OPTION``).
- ``.eoffice-core.json`` records the SHA-256 of every core file (``eoffice/``,
  ``migrations/``) and the core version, so ``flask eoffice doctor`` can tell a
  region whose core was edited. It is written after every generation and update,
  from the files just generated, by the core's own ``eoffice/maintenance/integrity.py``.
- The next steps are printed, in Bahasa Indonesia, after the region's timezone
  (with a warning when it is not the zone of the region code's province); not during
  ``cruft update``, whose two renders are not a new region.

The module is imported un-rendered by the template's unit tests, so the
cookiecutter placeholder lives only inside ``load_answers``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import sys
from pathlib import Path

TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
TIMEZONE_ALIASES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
ABBREVIATIONS = {name: alias for alias, name in TIMEZONE_ALIASES.items()}

# Paths (relative to the generated folder) that only the *other* choice uses, by
# (answer, value). Nothing in the generated application is specific to one
# database yet: add a path here when a file serves only one choice.
UNUSED_BY_OPTION: dict[tuple[str, str], tuple[str, ...]] = {
    ("database", "sqlite"): (),
    ("database", "postgresql"): (),
}

ENV_HEADER = (
    "# Secrets of this installation, made once when the region was generated.\n"
    "# Never committed and never overwritten by updates; see .env.example for every key.\n"
)


def load_answers() -> dict:
    """The answers, rendered in by cookiecutter (a raw string keeps JSON escapes intact)."""
    return json.loads(r"""{{ cookiecutter | jsonify }}""")


def make_secret_key() -> str:
    return secrets.token_urlsafe(48)


def database_url_line(env_example: Path) -> str | None:
    """The first active ``DATABASE_URL=`` line of .env.example, if there is one."""
    if not env_example.is_file():
        return None
    for line in env_example.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("DATABASE_URL="):
            return line.strip()
    return None


def render_env(secret_key: str, database_line: str | None = None) -> str:
    lines = [f"SECRET_KEY={secret_key}"]
    if database_line:
        lines.append(database_line)
    return ENV_HEADER + "\n".join(lines) + "\n"


def write_env_if_absent(project_dir: Path, database: str, secret_key: str | None = None) -> bool:
    """Write .env unless it exists; return True when it was written."""
    env_path = project_dir / ".env"
    if env_path.exists():
        return False
    database_line = None
    if database == "postgresql":
        database_line = database_url_line(project_dir / ".env.example")
    content = render_env(secret_key or make_secret_key(), database_line)
    fd = os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    return True


def canonical_timezone(value: str) -> str | None:
    """The IANA name for an accepted timezone answer (any case; WIB/WITA/WIT too)."""
    text = value.strip()
    if text.upper() in TIMEZONE_ALIASES:
        return TIMEZONE_ALIASES[text.upper()]
    for name in TIMEZONES:
        if text.lower() == name.lower():
            return name
    return None


def normalize_region_timezone(region_toml: Path, answer: str) -> bool:
    """Rewrite ``timezone = "<answer>"`` to the IANA name; return True when changed."""
    canonical = canonical_timezone(answer)
    if canonical is None or canonical == answer or not region_toml.is_file():
        return False
    text = region_toml.read_text(encoding="utf-8")
    pattern = re.compile(r'^(\s*timezone\s*=\s*)"' + re.escape(answer) + r'"', re.MULTILINE)
    new_text = pattern.sub(lambda match: f'{match.group(1)}"{canonical}"', text)
    if new_text == text:
        return False
    region_toml.write_text(new_text, encoding="utf-8")
    return True


def paths_to_prune(answers: dict, table: dict | None = None) -> list[str]:
    table = UNUSED_BY_OPTION if table is None else table
    paths: list[str] = []
    for (key, value), unused in table.items():
        if answers.get(key) == value:
            paths.extend(unused)
    return paths


def prune(project_dir: Path, relative_paths: list[str]) -> list[Path]:
    """Remove the given files or folders if present; return what was removed."""
    removed = []
    root = project_dir.resolve()
    for relative in relative_paths:
        path = (project_dir / relative).resolve()
        if root not in path.parents:
            raise ValueError(f"refusing to prune outside the project: {relative}")
        if path.is_dir():
            shutil.rmtree(path)
            removed.append(path)
        elif path.exists():
            path.unlink()
            removed.append(path)
    return removed


def record_core_files(project_dir: Path) -> bool:
    """Write .eoffice-core.json with the core's own code; False when there is no core."""
    module_path = project_dir / "eoffice" / "maintenance" / "integrity.py"
    if not module_path.is_file():
        return False
    spec = importlib.util.spec_from_file_location("eoffice_core_integrity", module_path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while loading
    try:
        spec.loader.exec_module(module)
        module.write_record(project_dir)
    finally:
        sys.modules.pop(spec.name, None)
    return True


def timezone_summary(answers: dict) -> str:
    """The region's timezone, and whether it is its province's.

    cookiecutter.json derives the default (``__province_timezone``) from the
    province part of the region code; an answer given by hand may differ, which
    is almost always a slip (every kabupaten/kota has its province's zone).
    """
    code = str(answers.get("region_code", ""))
    province = code.split(".")[0]
    chosen = canonical_timezone(str(answers.get("timezone", ""))) or str(answers.get("timezone"))
    derived = str(answers.get("__province_timezone", "")) or None
    line = f"Zona waktu: {chosen} ({ABBREVIATIONS.get(chosen, '?')})"
    if derived is None:  # answers saved by a template older than the derivation
        return f"{line}."
    if derived == chosen:
        return f"{line}, zona provinsi {province} (kode wilayah {code})."
    return (
        f"{line}. PERHATIAN: provinsi {province} (kode wilayah {code}) memakai {derived} "
        f"({ABBREVIATIONS.get(derived, '?')}); bila salah, ubah [locale] timezone di region.toml."
    )


def next_steps(answers: dict) -> str:
    """What to do next, for a real region: keep the folder under git (``cruft update``
    merges through git), install the tested versions without the test tools, create the
    schema and the first administrator. Demo data is a separate, clearly marked line:
    ``flask eoffice demo`` refuses a production server anyway."""
    slug = answers.get("region_slug", ".")
    lines = [
        "",
        f"Aplikasi e-office {answers.get('region_name', '')} sudah dibuat di folder {slug}/.",
        timezone_summary(answers),
        "Langkah berikutnya:",
        f"  cd {slug}",
        "  git init && git add -A && git commit -m 'Daerah dibuat dari template e-office'",
        "  python3 -m venv .venv",
        "  . .venv/bin/activate",
        "  pip install -c requirements.lock -e .  # versi yang sudah diuji",
    ]
    if answers.get("database") == "postgresql":
        lines.append("  # sesuaikan DATABASE_URL di .env (pengguna, kata sandi, nama basis data)")
    lines += [
        "  flask db upgrade heads  # migrasi inti dan migrasi lokal (local/migrations)",
        "  flask eoffice create-admin  # akun administrator pertama",
        "  flask run               # buka http://127.0.0.1:5000",
        "",
        "Hanya untuk mencoba atau pelatihan (bukan server sungguhan): flask eoffice demo",
        "mengisi data contoh dan menampilkan akun demo.",
        "Kunci rahasia ada di .env (jangan dimasukkan ke git). Panduan: README.md di folder ini;",
        "pemasangan server: deploy/README.md.",
        "",
    ]
    return "\n".join(lines)


def rendered_by_cruft_update(project_dir: Path) -> bool:
    """``cruft update`` renders the old and the new template into
    ``<temp>/current_template/<slug>`` and ``<temp>/new_template/<slug>`` to compute its
    diff; the region's own folder is never the hook's working directory then. The next
    steps are for a new region only, so they are not printed (twice) during an update."""
    return project_dir.parent.name in ("current_template", "new_template")


def main() -> int:
    answers = load_answers()
    project_dir = Path.cwd()
    write_env_if_absent(project_dir, answers.get("database", "sqlite"))
    normalize_region_timezone(project_dir / "region.toml", str(answers.get("timezone", "")))
    prune(project_dir, paths_to_prune(answers))
    record_core_files(project_dir)
    if not rendered_by_cruft_update(project_dir):
        print(next_steps(answers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
