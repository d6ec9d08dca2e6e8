"""The benchmark end to end: ``flask eoffice bench all`` seeds a small database, starts
gunicorn as deployed, logs in as the four personas and times every page."""

from __future__ import annotations

import json

import pytest

from eoffice.bench import runner
from eoffice.bench.org import PERSONAS


def test_the_runner_times_every_page_for_every_persona(bench_url, tmp_path):
    from eoffice import create_app
    from eoffice.extensions import db

    url = bench_url("run")
    figures = tmp_path / "figures.json"
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "own.db")})
    with app.app_context():  # as `flask` gives its commands
        result = app.test_cli_runner().invoke(args=[
            "eoffice", "bench", "all", "--database", url, "--letters", "400", "--requests", "2",
            "--warmup", "1", "--concurrency", "2", "--duration", "1", "--workers", "2",
            "--json", str(figures)])
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    output = result.output
    assert "Page" in output and "p95 ms" in output and "ratio" in output

    report = json.loads(figures.read_text(encoding="utf-8"))
    assert report["failed"] is False and report["errors"] == []
    assert report["info"]["letters"] == 400 and report["info"]["workers"] == 2
    pages = report["pages"]
    assert len(pages) == len(runner.PAGES) * len(PERSONAS)
    for page in pages:
        assert page["status"] == 200, page
        assert page["requests"] == 2 and page["p95_ms"] >= page["p50_ms"] > 0
        assert page["result"] in ("PASS", "FAIL", "-")
    names = {page["page"] for page in pages}
    assert {p.name for p in runner.PAGES} == names
    assert {page["persona"] for page in pages} == set(PERSONAS)
    letter, bare, built = report["throughput"]
    assert letter["requests"] > 0 and bare["requests"] > 0 and built["requests"] > 0
    assert letter["errors"] == 0 and bare["errors"] == 0 and built["errors"] == 0
    assert report["ratio"] == pytest.approx(letter["per_second"] / bare["per_second"], abs=0.01)
    assert report["built_ratio"] == pytest.approx(built["per_second"] / bare["per_second"],
                                                  abs=0.01)


def test_the_bare_route_exists_only_when_asked_for(bench_url, tmp_path):
    from eoffice import create_app

    database = {"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "bare.db")}
    assert create_app(database).test_client().get("/_bench/ok").status_code == 404
    answer = create_app(database | {"BENCHMARK_ROUTE": True}).test_client().get("/_bench/ok")
    assert answer.status_code == 200 and answer.text == "ok"
    assert "Set-Cookie" not in answer.headers


def test_the_report_says_what_failed():
    report = runner.Report()
    ok = runner.PageResult("letters", "head", "/surat-masuk/", 50, [10.0, 20.0, 30.0], 200)
    slow = runner.PageResult("search broad", "top", "/surat-masuk/?q=rapat", 300, [400.0], 200)
    missing = runner.PageResult("global search narrow", "top", "/cari/?q=x", 100, [], 404,
                                available=False)
    report.pages = [ok, slow, missing]
    assert (ok.verdict, slow.verdict, missing.verdict) == ("PASS", "FAIL", "n/a")
    assert ok.p50 == 20.0 and ok.p95 == 30.0
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1
    report.pages.append(runner.PageResult("dashboard", "staff", "/", 50, [], 500, "HTTP 500"))
    assert report.exit_code() == 1
    lines: list[str] = []
    runner.print_report(report, lines.append)
    text = "\n".join(lines)
    assert "404: not available" in text and "ERROR" in text and "FAIL" in text
