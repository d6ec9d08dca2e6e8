"""Staff import from a SIASN export (BKN's Sistem Informasi ASN).

A SIASN export has many columns; the import reads the ones below and ignores the
rest, then checks every row with ``clean_staff`` like any other import. The same
list is shown on the import page and in docs/dev/siasn.md.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from eoffice.extensions import db

# SIASN column -> (field of clean_staff, what we do with it)
COLUMNS: dict[str, tuple[str, object]] = {
    "NIP_BARU": ("nip", _l("NIP (18 digits); for PPPK the NI PPPK")),
    "NAMA": ("name", _l("name without titles")),
    "GELAR_DEPAN": ("front_title", _l("front title")),
    "GELAR_BLKG": ("back_title", _l("back title (GELAR_BELAKANG is read too)")),
    "TEMPAT_LAHIR_NAMA": ("birth_place", _l("place of birth")),
    "TGL_LAHIR": ("birth_date", _l("date of birth, DD-MM-YYYY")),
    "JENIS_KELAMIN": ("gender", _l("M/F, 1/2 or L/P")),
    "JENIS_PEGAWAI_NAMA": ("employment_type", _l("PNS/CPNS -> PNS, PPPK -> PPPK; empty: PNS")),
    "GOL_AKHIR_NAMA": ("golongan_code", _l("golongan, e.g. III/a (PNS only)")),
    "JABATAN_NAMA": ("jabatan_name", _l("name of the jabatan")),
    "JENIS_JABATAN_NAMA": ("jabatan_type", _l("Struktural (with ESELON_NAMA), Fungsional, "
                                              "Pelaksana")),
    "ESELON_NAMA": ("", _l("I/II -> JPT, III -> administrator, IV -> pengawas")),
    "UNOR_ID": ("unit_code", _l("unit: a unit code, or [staff.siasn_unor] in region.toml")),
    "UNOR_NAMA": ("unit_code", _l("unit, when UNOR_ID is not mapped: the unit's exact name")),
    "NOMOR_HP": ("phone", _l("phone")),
    "EMAIL": ("email", _l("email")),
    "KEDUDUKAN_HUKUM_NAMA": ("status", _l("Aktif -> aktif, Pensiun/Meninggal/Berhenti -> "
                                          "pensiun, Pindah -> pindah")),
}
ALIASES = {"GELAR_BELAKANG": "GELAR_BLKG", "NIP": "NIP_BARU", "NO_HP": "NOMOR_HP",
           "TANGGAL_LAHIR": "TGL_LAHIR", "EMAIL_GOV": "EMAIL"}
REQUIRED = ("NIP_BARU", "NAMA")
GENDERS = {"m": "L", "1": "L", "l": "L", "laki-laki": "L", "pria": "L",
           "f": "P", "2": "P", "p": "P", "perempuan": "P", "wanita": "P"}


def header_key(name) -> str:
    key = str(name or "").strip().upper().replace(" ", "_").replace("-", "_")
    return ALIASES.get(key, key)


def check_header(header: list) -> list[str]:
    """Header keys (unknown SIASN columns become "" and are ignored)."""
    from eoffice.staff.transfer import ImportFileError

    keys = [header_key(h) for h in header]
    missing = [c for c in REQUIRED if c not in keys]
    if missing:
        raise ImportFileError(str(_l("Not a SIASN export: missing columns %(c)s. Expected "
                                     "at least %(e)s.", c=", ".join(missing),
                                     e=", ".join(REQUIRED))))
    seen: set[str] = set()
    out = []
    for key in keys:
        out.append(key if key in COLUMNS and key not in seen else "")
        seen.add(key)
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


class RowMapper:
    """Turns a SIASN row into the fields ``clean_staff`` checks."""

    def __init__(self):
        from eoffice.org.models import Unit

        units = db.session.execute(sa.select(Unit.code, Unit.name)).all()
        self.codes = {code for code, _ in units}
        by_name: dict[str, list[str]] = {}
        for code, name in units:
            by_name.setdefault(_norm(name), []).append(code)
        self.by_name = {k: v[0] for k, v in by_name.items() if len(v) == 1}
        self.mapping = {str(k).strip(): str(v).strip()
                        for k, v in current_app.config["SIASN_UNOR_MAP"].items()}

    def unit_code(self, unor_id: str, unor_name: str) -> str:
        for key in (unor_id, unor_name):
            if key and key in self.mapping:
                return self.mapping[key]
        if unor_id and unor_id in self.codes:
            return unor_id
        if unor_name and _norm(unor_name) in self.by_name:
            return self.by_name[_norm(unor_name)]
        return unor_id or unor_name  # clean_staff reports an unknown unit code

    def __call__(self, keys: list[str], values: list) -> dict[str, Any]:
        row = {k: values[i] for i, k in enumerate(keys) if k and i < len(values)}
        kind = _text(row.get("JENIS_PEGAWAI_NAMA")).upper()
        employment = "pppk" if "PPPK" in kind else ("non_asn" if kind and "PNS" not in kind
                                                    else "pns")
        number = row.get("NIP_BARU")
        golongan = _text(row.get("GOL_AKHIR_NAMA")).split(" ")[0].split("-")[0].strip()
        gender = _text(row.get("JENIS_KELAMIN")).lower()
        record: dict[str, Any] = {
            "employment_type": employment,
            "nip": number if employment == "pns" else None,
            "pppk_number": _text(number) if employment == "pppk" else None,
            "name": row.get("NAMA"), "front_title": row.get("GELAR_DEPAN"),
            "back_title": row.get("GELAR_BLKG"), "birth_place": row.get("TEMPAT_LAHIR_NAMA"),
            "birth_date": row.get("TGL_LAHIR"),
            "gender": GENDERS.get(gender, gender) if gender else None,
            "golongan_code": golongan if employment == "pns" else None,
            "jabatan_name": row.get("JABATAN_NAMA"),
            "jabatan_type": self.jabatan_type(_text(row.get("JENIS_JABATAN_NAMA")),
                                              _text(row.get("ESELON_NAMA"))),
            "unit_code": self.unit_code(_text(row.get("UNOR_ID")), _text(row.get("UNOR_NAMA"))),
            "phone": row.get("NOMOR_HP"), "email": row.get("EMAIL"),
            "status": self.status(_text(row.get("KEDUDUKAN_HUKUM_NAMA"))),
        }
        return record

    @staticmethod
    def jabatan_type(kind: str, eselon: str) -> str | None:
        kind, eselon = kind.lower(), eselon.upper().replace(".", "/")
        if "fungsional" in kind and "umum" not in kind:
            return "fungsional"
        if "pelaksana" in kind or "fungsional umum" in kind:
            return "pelaksana"
        if "struktural" in kind:
            level = eselon.split("/")[0].strip()
            return {"I": "jpt", "II": "jpt", "III": "administrator",
                    "IV": "pengawas"}.get(level)
        return None

    @staticmethod
    def status(text: str) -> str:
        text = text.lower()
        if not text or "aktif" in text or "tugas belajar" in text or "cltn" in text:
            return "aktif"
        if "pindah" in text or "mutasi" in text:
            return "pindah"
        if any(w in text for w in ("pensiun", "meninggal", "berhenti", "wafat", "ptdh")):
            return "pensiun"
        return text  # clean_staff reports it


def column_of(field_name: str) -> str:
    """The SIASN column a clean_staff error is reported under."""
    for column, (name, _doc) in COLUMNS.items():
        if name == field_name:
            return column
    return {"pppk_number": "NIP_BARU", "unit_id": "UNOR_ID"}.get(field_name, field_name)


def source_value(field_name: str, record: dict) -> Any:
    return record.get(field_name)
