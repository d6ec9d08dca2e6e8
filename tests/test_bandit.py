"""bandit finds no Medium or High issue in a baked region's code.

Every region runs the core unchanged, so one finding here is a finding in every
region. A finding that is not a flaw (a fixed table name in SQL, ...) is marked where
it is, ``# nosec BXXX`` with the reason beside it, so the next reader can judge it.
The settings are the region's own ``[tool.bandit]`` in pyproject.toml: a region runs
the same command on its ``local/`` plugins (docs/dev/testing.md).
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import bake_ok


def run_bandit(project, *paths: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-c", "pyproject.toml", "--severity-level", "medium",
         "--format", "json", "--quiet", "--recursive", *paths],
        cwd=project, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_bandit_finds_no_medium_or_high_issue(cookies):
    project = bake_ok(cookies, {})
    report = run_bandit(project, "eoffice", "local", "migrations", "wsgi.py")
    assert report["errors"] == [], report["errors"]
    findings = [
        f"{item['filename']}:{item['line_number']} {item['test_id']} "
        f"{item['issue_severity']}: {item['issue_text']}"
        for item in report["results"]
        if item["issue_severity"] in ("MEDIUM", "HIGH")
    ]
    assert findings == [], "fix, or mark `# nosec BXXX` with the reason:\n  " + "\n  ".join(
        findings
    )
    assert report["metrics"]["_totals"]["loc"] > 10_000, "bandit scanned too little"
