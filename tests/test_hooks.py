"""Unit tests of the hooks' named functions, imported un-rendered."""

from __future__ import annotations

import importlib.util
import json
import stat
import string
import sys

import pytest
from conftest import COOKIECUTTER_JSON, PROVINCE_TIMEZONES, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

# --- pre_gen_project: one validator at a time ---------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Kabupaten Contoh",
        "Kota Bau-Bau",
        "Kabupaten Pangkajene dan Kepulauan",
        "Kabupaten Toli'toli",
        "Kabupaten Toli’toli",
        "Provinsi Papua",
        "Kota Administrasi Jakarta Pusat",
        "Provinsi D.I. Yogyakarta",
        "Kabupaten Uji 2",
    ],
)
def test_region_name_accepts_real_names(pre_hook, name):
    assert pre_hook.validate_region_name(name) is None


@pytest.mark.parametrize(
    "name",
    ["", "Ko", " Kota Bau-Bau", "Kota Bau-Bau ", "Kota  Bau-Bau", "-Kota", "2 Kota",
     'Kota "Baru"', "Kota <b>", "Kota\nBaru", "K" * 101, "Kota {{ x }}"],
)
def test_region_name_rejects(pre_hook, name):
    error = pre_hook.validate_region_name(name)
    assert error is not None
    assert error.startswith(f'region_name "{name}" tidak valid: ')


@given(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=10),
    st.lists(
        st.tuples(
            st.sampled_from([" ", "-", "'"]),
            st.text(alphabet=string.ascii_letters, min_size=1, max_size=10),
        ),
        max_size=5,
    ),
)
def test_region_name_property_words_with_separators_pass(pre_hook, first, rest):
    name = "Kota " + first + "".join(sep + word for sep, word in rest)
    assert pre_hook.validate_region_name(name) is None


@pytest.mark.parametrize("slug", ["kabupaten-contoh", "kota-bau-bau", "provinsi-papua", "a1"])
def test_region_slug_accepts(pre_hook, slug):
    assert pre_hook.validate_region_slug(slug) is None


@pytest.mark.parametrize(
    "slug", ["", "Kota-Bau-Bau", "kota bau", "kota_bau", "-kota", "kota-", "kota--bau", "1kota",
             "kota.bau", "k" * 61]
)
def test_region_slug_rejects(pre_hook, slug):
    assert "region_slug" in pre_hook.validate_region_slug(slug)


def test_slugify_of_accepted_names_is_an_accepted_slug(pre_hook):
    from slugify import slugify

    for name in ["Kota Bau-Bau", "Kabupaten Toli'toli", "Kabupaten Toli’toli",
                 "Kabupaten Pangkajene dan Kepulauan", "Provinsi D.I. Yogyakarta"]:
        assert pre_hook.validate_region_slug(slugify(name)) is None, name


@pytest.mark.parametrize("region_type", ["kabupaten", "kota", "provinsi"])
def test_region_type_accepts(pre_hook, region_type):
    assert pre_hook.validate_region_type(region_type) is None


@pytest.mark.parametrize("region_type", ["", "Kota", "kecamatan", "desa"])
def test_region_type_rejects(pre_hook, region_type):
    assert "region_type" in pre_hook.validate_region_type(region_type)


@pytest.mark.parametrize(
    ("code", "region_type"),
    [("33.01", "kabupaten"), ("74.72", "kota"), ("73.10", "kabupaten"), ("91", "provinsi"),
     ("11", "provinsi"), ("31.71", "kota")],
)
def test_region_code_accepts(pre_hook, code, region_type):
    assert pre_hook.validate_region_code(code, region_type) is None


@pytest.mark.parametrize(
    ("code", "region_type", "fragment"),
    [
        ("3301", "kabupaten", "NN.NN untuk kabupaten/kota"),
        ("33.1", "kota", "NN.NN"),
        ("33.01.01", "kabupaten", "NN.NN"),
        ("3a.01", "kabupaten", "NN.NN"),
        ("33,01", "kabupaten", "NN.NN"),
        ("00.01", "kota", "NN.NN"),
        ("33.00", "kota", "NN.NN"),
        ("91", "kota", "NN.NN"),
        ("33.01", "provinsi", "NN untuk provinsi"),
        ("9", "provinsi", "NN untuk provinsi"),
        ("00", "provinsi", "NN untuk provinsi"),
        ("٣٣", "provinsi", "NN untuk provinsi"),  # Arabic-Indic digits are not ASCII digits
        ("", "provinsi", "NN untuk provinsi"),
    ],
)
def test_region_code_rejects(pre_hook, code, region_type, fragment):
    error = pre_hook.validate_region_code(code, region_type)
    assert error == f'region_code "{code}" tidak valid: ' + error.split(": ", 1)[1]
    assert fragment in error


def test_region_code_message_matches_the_documented_example(pre_hook):
    assert pre_hook.validate_region_code("3301", "kabupaten") == (
        'region_code "3301" tidak valid: gunakan format NN.NN untuk kabupaten/kota (mis. 33.01)'
    )


@given(st.integers(1, 99), st.integers(1, 99), st.sampled_from(["kabupaten", "kota"]))
def test_region_code_property_every_nn_nn_passes(pre_hook, province, regency, region_type):
    code = f"{province:02d}.{regency:02d}"
    assert pre_hook.validate_region_code(code, region_type) is None
    assert pre_hook.validate_region_code(code, "provinsi") is not None


@given(st.integers(1, 99))
def test_region_code_property_every_nn_passes_for_provinsi(pre_hook, province):
    code = f"{province:02d}"
    assert pre_hook.validate_region_code(code, "provinsi") is None
    assert pre_hook.validate_region_code(code, "kota") is not None


@pytest.mark.parametrize(
    "email", ["diskominfo@kabupaten-contoh.go.id", "admin@kota-bau-bau.go.id", "a.b+c@x.id"]
)
def test_email_accepts(pre_hook, email):
    assert pre_hook.validate_email(email) is None
    assert pre_hook.validate_admin_email(email) is None


@pytest.mark.parametrize(
    "email", ["", "diskominfo", "a@b", "a@@b.id", "a b@c.id", "a@b .id", "a@-b.id", "@b.id",
              'a"@b.id']
)
def test_email_rejects(pre_hook, email):
    assert pre_hook.validate_email(email).startswith(f'email "{email}" tidak valid')
    assert pre_hook.validate_admin_email(email).startswith(f'admin_email "{email}" tidak valid')


@pytest.mark.parametrize(
    "url", ["https://kabupaten-contoh.go.id", "http://kota-bau-bau.go.id/", "https://x.go.id/a?b=c",
            "http://localhost:8080", "https://www.papua.go.id"]
)
def test_website_accepts(pre_hook, url):
    assert pre_hook.validate_website(url) is None


@pytest.mark.parametrize(
    "url", ["", "kota.go.id", "www.kota.go.id", "ftp://kota.go.id", "https://", "https://kota",
            "https://kota go.id", "https://kota.go.id:99999", "javascript:alert(1)",
            'https://kota.go.id/"']
)
def test_website_rejects(pre_hook, url):
    assert "http:// atau https://" in pre_hook.validate_website(url)


@pytest.mark.parametrize(
    "phone", ["(0271) 123456", "+62 271 123456", "0271-123456", "021 1234 5678", "0812.3456.7890"]
)
def test_phone_accepts(pre_hook, phone):
    assert pre_hook.validate_phone(phone) is None


@pytest.mark.parametrize("phone", ["", "telepon", "123", "0271 123456 ext", "+", "1" * 16, "--"])
def test_phone_rejects(pre_hook, phone):
    assert pre_hook.validate_phone(phone).startswith(f'phone "{phone}" tidak valid')


@pytest.mark.parametrize(
    ("answer", "canonical"),
    [("Asia/Jakarta", "Asia/Jakarta"), ("Asia/Makassar", "Asia/Makassar"),
     ("Asia/Jayapura", "Asia/Jayapura"), ("WIB", "Asia/Jakarta"), ("wita", "Asia/Makassar"),
     ("Wit", "Asia/Jayapura"), ("asia/jakarta", "Asia/Jakarta"),
     ("ASIA/MAKASSAR", "Asia/Makassar")],
)
def test_timezone_accepts_iana_names_and_aliases_in_any_case(pre_hook, post_hook, answer,
                                                             canonical):
    assert pre_hook.validate_timezone(answer) is None
    assert pre_hook.normalize_timezone(answer) == canonical
    assert post_hook.canonical_timezone(answer) == canonical


@pytest.mark.parametrize(
    "answer", ["", "UTC", "Asia/Tokyo", "Asia/Jakarta ", "WIBB", "GMT+7", "Asia/Pontianak"]
)
def test_timezone_rejects(pre_hook, answer):
    error = pre_hook.validate_timezone(answer)
    assert error.startswith(f'timezone "{answer}" tidak valid')
    assert "Asia/Makassar (WITA)" in error


def test_both_hooks_agree_on_timezones(pre_hook, post_hook):
    assert pre_hook.TIMEZONES == post_hook.TIMEZONES
    assert pre_hook.TIMEZONE_ALIASES == post_hook.TIMEZONE_ALIASES


@pytest.mark.parametrize(
    ("locale", "ok"), [("id", True), ("en", True), ("ID", False), ("fr", False), ("", False)]
)
def test_locale(pre_hook, locale, ok):
    assert (pre_hook.validate_locale(locale) is None) is ok


@pytest.mark.parametrize(("database", "ok"), [("sqlite", True), ("postgresql", True),
                                              ("mysql", False), ("postgres", False), ("", False)])
def test_database(pre_hook, database, ok):
    assert (pre_hook.validate_database(database) is None) is ok


@pytest.mark.parametrize("text", ["Pemerintah Kota Bau-Bau", "Jl. Pemuda No. 1, Kota Bau-Bau"])
def test_free_text_accepts(pre_hook, text):
    assert pre_hook.validate_agency_name(text) is None
    assert pre_hook.validate_address(text) is None


@pytest.mark.parametrize("text", ["", "   ", 'Jl. "Pemuda"', "Jl. Pemuda\\1", "Jl.\nPemuda",
                                  " Jl. Pemuda", "x" * 201])
def test_free_text_rejects(pre_hook, text):
    assert pre_hook.validate_agency_name(text).startswith("agency_name ")
    assert pre_hook.validate_address(text).startswith("address ")


VALIDATORS_OF_ONE_ARGUMENT = [
    "validate_region_name", "validate_region_slug", "validate_region_type", "validate_email",
    "validate_admin_email", "validate_website", "validate_phone", "validate_timezone",
    "validate_locale", "validate_database", "validate_agency_name", "validate_address",
]


@pytest.mark.parametrize("name", VALIDATORS_OF_ONE_ARGUMENT)
@given(value=st.text(max_size=80))
def test_validators_never_raise_and_answer_one_line(pre_hook, name, value):
    error = getattr(pre_hook, name)(value)
    assert error is None or isinstance(error, str)
    if error:
        expected = error.split(" tidak valid: ")[1]
        assert "\n" not in expected and "tidak valid" in error


@given(value=st.text(max_size=20), region_type=st.sampled_from(["kabupaten", "kota", "provinsi"]))
def test_region_code_never_raises(pre_hook, value, region_type):
    error = pre_hook.validate_region_code(value, region_type)
    assert error is None or error.startswith("region_code ")


def default_answers() -> dict[str, str]:
    """cookiecutter.json's defaults, rendered by hand for the unit tests."""
    return {
        "region_name": "Kabupaten Contoh",
        "region_type": "kabupaten",
        "region_slug": "kabupaten-contoh",
        "region_code": COOKIECUTTER_JSON["region_code"],
        "agency_name": "Pemerintah Kabupaten Contoh",
        "address": "Jl. Pemuda No. 1, Kabupaten Contoh",
        "phone": COOKIECUTTER_JSON["phone"],
        "email": "diskominfo@kabupaten-contoh.go.id",
        "website": "https://kabupaten-contoh.go.id",
        "timezone": "Asia/Jakarta",  # the zone of province 33 (cookiecutter.json derives it)
        "default_locale": "id",
        "database": "sqlite",
        "admin_email": "admin@kabupaten-contoh.go.id",
    }


def test_validate_answers_accepts_the_defaults(pre_hook):
    assert pre_hook.validate_answers(default_answers()) is None


def test_validate_answers_reports_the_first_error_in_question_order(pre_hook):
    answers = default_answers() | {"region_code": "3301", "email": "x", "database": "mysql"}
    assert pre_hook.validate_answers(answers).startswith('region_code "3301"')


def test_validate_answers_checks_code_against_type(pre_hook):
    answers = default_answers() | {"region_type": "provinsi", "region_code": "33.01"}
    assert "NN untuk provinsi" in pre_hook.validate_answers(answers)


def test_validate_answers_names_a_missing_answer(pre_hook):
    answers = default_answers()
    del answers["phone"]
    assert pre_hook.validate_answers(answers).startswith('phone "" tidak valid')


def test_validate_answers_accepts_non_string_code(pre_hook):
    answers = default_answers() | {"region_type": "provinsi", "region_code": 91}
    assert pre_hook.validate_answers(answers) is None


def test_pre_hook_main_prints_one_line_and_fails(pre_hook, monkeypatch, capsys):
    answers = default_answers() | {"region_code": "3301"}
    monkeypatch.setattr(pre_hook, "load_answers", lambda: answers)
    assert pre_hook.main() == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        'ERROR: region_code "3301" tidak valid: gunakan format NN.NN untuk kabupaten/kota '
        "(mis. 33.01)\n"
    )


def test_pre_hook_main_passes_good_answers(pre_hook, monkeypatch, capsys):
    monkeypatch.setattr(pre_hook, "load_answers", default_answers)
    assert pre_hook.main() == 0
    assert capsys.readouterr().err == ""


def test_hooks_keep_the_placeholder_only_in_load_answers():
    from conftest import HOOKS_DIR

    for hook in ("pre_gen_project.py", "post_gen_project.py"):
        source = (HOOKS_DIR / hook).read_text(encoding="utf-8")
        assert source.count("{{") == 1 and source.count("{%") == 0 and source.count("{#") == 0
        assert 'json.loads(r"""{{ cookiecutter | jsonify }}""")' in source


# --- post_gen_project ------------------------------------------------------------------------

ENV_EXAMPLE_POSTGRES = (
    "# Copy to .env and fill in.\n"
    "SECRET_KEY=change-me\n"
    "DATABASE_URL=postgresql+psycopg://eoffice:password@127.0.0.1/kota_bau_bau\n"
    "# EOFFICE_ENV=production\n"
)
ENV_EXAMPLE_SQLITE = (
    "SECRET_KEY=change-me\n"
    "# DATABASE_URL=postgresql+psycopg://eoffice:password@127.0.0.1/kabupaten_contoh\n"
)


def test_secret_keys_are_long_and_random(post_hook):
    keys = {post_hook.make_secret_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(key) >= 50 and key.isascii() and "=" not in key for key in keys)


def test_database_url_line_takes_the_active_line(post_hook, tmp_path):
    example = tmp_path / ".env.example"
    example.write_text(ENV_EXAMPLE_POSTGRES, encoding="utf-8")
    assert post_hook.database_url_line(example) == (
        "DATABASE_URL=postgresql+psycopg://eoffice:password@127.0.0.1/kota_bau_bau"
    )
    example.write_text(ENV_EXAMPLE_SQLITE, encoding="utf-8")
    assert post_hook.database_url_line(example) is None
    assert post_hook.database_url_line(tmp_path / "missing") is None


def test_write_env_for_sqlite(post_hook, tmp_path):
    (tmp_path / ".env.example").write_text(ENV_EXAMPLE_SQLITE, encoding="utf-8")
    assert post_hook.write_env_if_absent(tmp_path, "sqlite", secret_key="s3cret") is True
    env = (tmp_path / ".env").read_text(encoding="utf-8")
    assert "SECRET_KEY=s3cret\n" in env
    assert "DATABASE_URL" not in env
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


def test_write_env_for_postgresql_copies_database_url(post_hook, tmp_path):
    (tmp_path / ".env.example").write_text(ENV_EXAMPLE_POSTGRES, encoding="utf-8")
    assert post_hook.write_env_if_absent(tmp_path, "postgresql") is True
    lines = (tmp_path / ".env").read_text(encoding="utf-8").splitlines()
    assert "DATABASE_URL=postgresql+psycopg://eoffice:password@127.0.0.1/kota_bau_bau" in lines
    secret = [line for line in lines if line.startswith("SECRET_KEY=")]
    assert len(secret) == 1 and secret[0] != "SECRET_KEY=change-me"


def test_write_env_never_overwrites(post_hook, tmp_path):
    env = tmp_path / ".env"
    env.write_text("SECRET_KEY=kept\n", encoding="utf-8")
    assert post_hook.write_env_if_absent(tmp_path, "postgresql") is False
    assert env.read_text(encoding="utf-8") == "SECRET_KEY=kept\n"


def test_write_env_twice_keeps_the_first(post_hook, tmp_path):
    post_hook.write_env_if_absent(tmp_path, "sqlite")
    first = (tmp_path / ".env").read_bytes()
    post_hook.write_env_if_absent(tmp_path, "sqlite")
    assert (tmp_path / ".env").read_bytes() == first


REGION_TOML = '[region]\nname = "Kota X"\n\n[locale]\ntimezone = "{tz}"\ndefault_locale = "id"\n'


@pytest.mark.parametrize(
    ("written", "answer", "expected", "changed"),
    [
        ("asia/makassar", "asia/makassar", "Asia/Makassar", True),
        ("ASIA/JAYAPURA", "ASIA/JAYAPURA", "Asia/Jayapura", True),
        ("wib", "wib", "Asia/Jakarta", True),
        ("Asia/Jakarta", "WIB", "Asia/Jakarta", False),  # region.toml already mapped the alias
        ("Asia/Jakarta", "Asia/Jakarta", "Asia/Jakarta", False),
        ("Asia/Tokyo", "Asia/Tokyo", "Asia/Tokyo", False),  # not ours to fix: pre hook refuses it
    ],
)
def test_normalize_region_timezone(post_hook, tmp_path, written, answer, expected, changed):
    toml_path = tmp_path / "region.toml"
    toml_path.write_text(REGION_TOML.format(tz=written), encoding="utf-8")
    assert post_hook.normalize_region_timezone(toml_path, answer) is changed
    assert f'timezone = "{expected}"' in toml_path.read_text(encoding="utf-8")
    assert post_hook.normalize_region_timezone(toml_path, answer) is False  # idempotent


def test_normalize_region_timezone_without_file(post_hook, tmp_path):
    assert post_hook.normalize_region_timezone(tmp_path / "region.toml", "wib") is False


def test_paths_to_prune_follow_the_answers(post_hook):
    table = {("database", "sqlite"): ("deploy/pg.conf",), ("database", "postgresql"): ("x.db",)}
    assert post_hook.paths_to_prune({"database": "sqlite"}, table) == ["deploy/pg.conf"]
    assert post_hook.paths_to_prune({"database": "postgresql"}, table) == ["x.db"]
    assert post_hook.paths_to_prune({"database": "sqlite"}) == []


def test_prune_removes_files_and_folders_and_is_idempotent(post_hook, tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "pg.conf").write_text("x", encoding="utf-8")
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    removed = post_hook.prune(tmp_path, ["deploy/pg.conf", "extra", "missing.txt"])
    assert len(removed) == 2
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["deploy", "keep.txt"]
    assert post_hook.prune(tmp_path, ["deploy/pg.conf", "extra"]) == []


def test_prune_refuses_paths_outside_the_project(post_hook, tmp_path):
    project = tmp_path / "region"
    project.mkdir()
    (tmp_path / "outside.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="outside"):
        post_hook.prune(project, ["../outside.txt"])
    assert (tmp_path / "outside.txt").exists()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_next_steps(post_hook, database):
    text = post_hook.next_steps({"region_slug": "kota-bau-bau", "region_name": "Kota Bau-Bau",
                                 "database": database})
    commands = ["cd kota-bau-bau", "git init", "python3 -m venv .venv",
                "pip install -c requirements.lock -e .  #",
                "flask db upgrade heads", "flask eoffice create-admin", "flask run",
                "Hanya untuk mencoba atau pelatihan (bukan server sungguhan): flask eoffice demo"]
    positions = [text.index(command) for command in commands]
    assert positions == sorted(positions)
    assert "[test]" not in text  # a region's server needs no test tools
    assert ("DATABASE_URL" in text) is (database == "postgresql")


@pytest.mark.parametrize(("folder", "printed"), [
    ("current_template", False), ("new_template", False), ("regions", True)])
def test_next_steps_are_not_printed_by_cruft_update_renders(post_hook, tmp_path, monkeypatch,
                                                             capsys, folder, printed):
    project = tmp_path / folder / "kota-bau-bau"
    project.mkdir(parents=True)
    (project / ".env.example").write_text(ENV_EXAMPLE_POSTGRES, encoding="utf-8")
    (project / "region.toml").write_text(REGION_TOML.format(tz="wita"), encoding="utf-8")
    answers = {"region_slug": "kota-bau-bau", "region_name": "Kota Bau-Bau",
               "database": "postgresql", "timezone": "wita"}
    monkeypatch.setattr(post_hook, "load_answers", lambda: dict(answers))
    monkeypatch.chdir(project)
    assert post_hook.main() == 0
    assert ("Langkah berikutnya:" in capsys.readouterr().out) is printed


def test_post_hook_main_is_idempotent(post_hook, tmp_path, monkeypatch, capsys):
    (tmp_path / ".env.example").write_text(ENV_EXAMPLE_POSTGRES, encoding="utf-8")
    (tmp_path / "region.toml").write_text(REGION_TOML.format(tz="wita"), encoding="utf-8")
    answers = {"region_slug": "kota-bau-bau", "region_name": "Kota Bau-Bau",
               "database": "postgresql", "timezone": "wita"}
    monkeypatch.setattr(post_hook, "load_answers", lambda: json.loads(json.dumps(answers)))
    monkeypatch.chdir(tmp_path)
    assert post_hook.main() == 0
    snapshot = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert 'timezone = "Asia/Makassar"' in snapshot["region.toml"].decode()
    assert post_hook.main() == 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == snapshot
    assert "flask db upgrade heads" in capsys.readouterr().out


# --- the timezone a region code gets when none is given ---------------------------------------


@pytest.fixture(scope="session")
def rendered_answers():
    """cookiecutter's own rendering of the answers (no files), for given extra answers."""
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    sys.path.insert(0, str(ROOT))  # as cookiecutter and cruft do, for `_extensions`
    try:
        def render(extra: dict[str, str]) -> dict:
            context = generate_context(str(ROOT / "cookiecutter.json"), extra_context=extra)
            return dict(prompt_for_config(context, no_input=True))

        yield render
    finally:
        sys.path.remove(str(ROOT))


def region_answers(province: str, regency: str | None) -> dict[str, str]:
    if regency is None:
        return {"region_type": "provinsi", "region_code": province}
    return {"region_type": "kabupaten", "region_code": f"{province}.{regency}"}


@settings(max_examples=150)
@given(
    province=st.sampled_from(sorted(PROVINCE_TIMEZONES)),
    regency=st.none() | st.from_regex(r"\A(0[1-9]|[1-9][0-9])\Z"),
)
def test_timezone_default_is_the_provinces(rendered_answers, province, regency):
    answers = rendered_answers(region_answers(province, regency))
    assert answers["timezone"] == PROVINCE_TIMEZONES[province]
    assert answers["__province_timezone"] == PROVINCE_TIMEZONES[province]


@pytest.mark.parametrize(("code", "timezone"), [
    ("72.03", "Asia/Makassar"), ("95.01", "Asia/Jayapura"), ("97", "Asia/Jayapura"),
    ("66.01", "Asia/Jakarta"), ("61.01", "Asia/Jakarta"), ("65.01", "Asia/Makassar"),
])
def test_timezone_default_follows_kemendagri_island_groups(rendered_answers, code, timezone):
    """Codes of provinces split off later (97, ...) keep their island group's zone."""
    region_type = "provinsi" if "." not in code else "kota"
    answers = rendered_answers({"region_type": region_type, "region_code": code})
    assert answers["timezone"] == timezone


def test_a_given_timezone_wins_over_the_province(rendered_answers):
    answers = rendered_answers({"region_code": "95.01", "timezone": "WIB"})
    assert answers["timezone"] == "WIB"
    assert answers["__province_timezone"] == "Asia/Jayapura"


@pytest.mark.parametrize(("answers", "expected"), [
    ({"region_code": "72.03", "timezone": "Asia/Makassar", "__province_timezone": "Asia/Makassar"},
     "Zona waktu: Asia/Makassar (WITA), zona provinsi 72 (kode wilayah 72.03)."),
    ({"region_code": "91", "timezone": "wit", "__province_timezone": "Asia/Jayapura"},
     "Zona waktu: Asia/Jayapura (WIT), zona provinsi 91 (kode wilayah 91)."),
    ({"region_code": "95.01", "timezone": "WIB", "__province_timezone": "Asia/Jayapura"},
     "Zona waktu: Asia/Jakarta (WIB). PERHATIAN: provinsi 95 (kode wilayah 95.01) memakai "
     "Asia/Jayapura (WIT); bila salah, ubah [locale] timezone di region.toml."),
    # Answers saved by a template older than the derivation: no claim about the province.
    ({"region_code": "74.72", "timezone": "WITA"}, "Zona waktu: Asia/Makassar (WITA)."),
])
def test_timezone_summary(post_hook, answers, expected):
    assert post_hook.timezone_summary(answers) == expected


def test_next_steps_start_with_the_timezone(post_hook):
    text = post_hook.next_steps({"region_slug": "donggala", "region_name": "Kabupaten Donggala",
                                 "region_code": "72.03", "timezone": "Asia/Makassar",
                                 "__province_timezone": "Asia/Makassar"})
    assert text.index("Zona waktu: Asia/Makassar (WITA)") < text.index("Langkah berikutnya:")


# --- template_checks.py: every answer checked before a folder exists ---------------------------


@pytest.fixture(scope="session")
def template_checks():
    spec = importlib.util.spec_from_file_location("template_checks_under_test",
                                                  ROOT / "template_checks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_check_answers_passes_good_answers(template_checks, capsys):
    assert template_checks.check_answers(default_answers()) == ""
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("bad", "line"), [
    ({"region_type": "desa"},
     'ERROR: region_type "desa" tidak valid: pilih salah satu: kabupaten, kota, provinsi\n'),
    ({"database": "mysql"}, 'ERROR: database "mysql" tidak valid: pilih sqlite atau postgresql\n'),
    ({"default_locale": "fr"},
     'ERROR: default_locale "fr" tidak valid: pilih id (Bahasa Indonesia) atau en (English)\n'),
])
def test_check_answers_exits_with_one_line(template_checks, capsys, bad, line):
    with pytest.raises(SystemExit) as exited:
        template_checks.check_answers(default_answers() | bad)
    assert exited.value.code == 1
    assert capsys.readouterr().err == line


def test_the_check_runs_after_the_last_question():
    """``__answers_checked`` must see every answer: it comes after the last question."""
    keys = [key for key in COOKIECUTTER_JSON if not key.startswith("_")]
    order = list(COOKIECUTTER_JSON)
    assert order.index("__answers_checked") > max(order.index(key) for key in keys)
    assert order.index("__province_timezone") < order.index("timezone")
    assert "template_checks.AnswerChecks" in COOKIECUTTER_JSON["_extensions"]
