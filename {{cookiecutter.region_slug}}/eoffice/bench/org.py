"""The benchmark region's organisation: 42 units, 244 positions, a user for each holder.

A pemda root with the head of the region (Bupati, Wali Kota or Gubernur, by
``REGION_TYPE``) and the deputy; the Sekretariat Daerah with the Sekda, three
Asisten and four Bagian; thirty offices (OPD): six large dinas/badan with a
secretariat unit of their own, eighteen middle-sized ones and six kecamatan. Each
office has a head, a secretary, a clerk (pencatat) registering its letters, heads of
bidang and seksi, and staff. Everyone holds a position and a user with the
benchmark's one password: ``pimpinan`` for the structural positions, ``pencatat`` for
the clerks, ``pegawai`` for all.

Written through the ORM like ``eoffice.demo`` (a few hundred rows), so the
organisation's closure rows are kept as the app keeps them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from faker import Faker

from eoffice.bench import vocabulary as words
from eoffice.staff.nip import make_nip

UNIT_COUNT = 42
POSITION_COUNT = 244
SETDA = "SETDA"
PERSONA_OFFICE = "DISKOMINFO"
# The four people the runner logs in as: username by persona.
PERSONAS = {
    "top": "kepala.daerah",  # head of the region: sees every letter that is not R/SR
    "head": "diskominfo.kepala",  # head of one office
    "clerk": "diskominfo.pencatat",  # that office's clerk
    "staff": "diskominfo.staf1",  # a staff member there, who sees few letters
}
PERSONA_LABELS = {"top": "top official", "head": "head of OPD", "clerk": "clerk (pencatat)",
                  "staff": "staff member"}

STRUCTURAL = ("jpt", "administrator", "pengawas")
SEKSI = ["Perencanaan", "Pelaksanaan", "Pengendalian"]
BACK_TITLES = ["S.Kom.", "S.E.", "S.H.", "S.Sos.", "S.T.", "S.Pd.", "A.Md.", "S.I.Kom.",
               "S.Kom., M.T.", "S.E., M.M.", "S.H., M.H.", "S.Sos., M.Si.", "S.K.M.", "S.IP."]


@dataclass(eq=False)
class Post:
    """A position of the benchmark's tree and the person holding it."""

    key: str
    name: str
    unit_code: str
    parent_key: str | None
    jabatan: str
    is_head: bool
    golongan: str | None
    roles: tuple[str, ...]
    username: str
    office: str
    kind: str  # kepala, sekretaris, kasubbag, pencatat, kabid, kasi, staf, ...
    job: str | None = None
    parent: Post | None = None
    children: list[Post] = field(default_factory=list)
    # Filled once written.
    id: int = 0
    unit_id: int = 0
    user_id: int = 0
    staff_id: int = 0
    full_name: str = ""
    nip: str | None = None
    rank: str = ""
    unit_name: str = ""

    def above(self) -> list[Post]:
        """The positions above this one, nearest first."""
        out, current = [], self.parent
        while current is not None:
            out.append(current)
            current = current.parent
        return out


@dataclass(eq=False)
class Office:
    """A sender and receiver of letters: an OPD, or the Sekretariat Daerah."""

    code: str
    name: str
    size: str
    weight: float
    unit_code: str
    posts: list[Post] = field(default_factory=list)
    head: Post | None = None
    secretary: Post | None = None
    clerk: Post | None = None

    def of_kind(self, kind: str) -> list[Post]:
        return [p for p in self.posts if p.kind == kind]


@dataclass
class Org:
    units: list[tuple[str, str, str, str | None]]  # code, name, kind, parent code
    posts: list[Post]
    offices: list[Office]

    def post(self, key: str) -> Post:
        return next(p for p in self.posts if p.key == key)

    def office(self, code: str) -> Office:
        return next(o for o in self.offices if o.code == code)

    def by_username(self, username: str) -> Post:
        return next(p for p in self.posts if p.username == username)


def plan(region_type: str, agency_name: str) -> Org:
    """The units and positions, not written yet (the same for every seed)."""
    head_title, deputy_title = words.HEAD_TITLES.get(region_type, words.HEAD_TITLES["kabupaten"])
    units: list[tuple[str, str, str, str | None]] = [("PEMDA", agency_name, "pemda", None),
                                                     (SETDA, "Sekretariat Daerah",
                                                      "sekretariat", "PEMDA")]
    posts: list[Post] = []
    offices: list[Office] = []

    def add(key, name, unit, parent, jabatan, is_head, golongan, office, kind, job=None,
            roles=None) -> Post:
        if roles is None:
            roles = ("pimpinan", "pegawai") if jabatan in STRUCTURAL else ("pegawai",)
        post = Post(key, name, unit, parent, jabatan, is_head, golongan, roles, key, office,
                    kind, job)
        posts.append(post)
        return post

    setda = Office(SETDA, "Sekretariat Daerah", "setda", 0.0, SETDA)
    offices.append(setda)
    setda.head = add("kepala.daerah", head_title, "PEMDA", None, "jpt", True, None, SETDA,
                     "kepala-daerah")
    add("wakil.kepala.daerah", deputy_title, "PEMDA", "kepala.daerah", "jpt", False, None,
        SETDA, "wakil")
    setda.secretary = add("sekda", "Sekretaris Daerah", SETDA, "kepala.daerah", "jpt", True,
                          "IV/d", SETDA, "sekda")
    for i, name in enumerate(words.ASISTEN, start=1):
        add(f"asisten{i}", name, SETDA, "sekda", "jpt", False, "IV/c", SETDA, "asisten")
    for code, name, asisten in words.SETDA_BAGIAN:
        units.append((code, name, "bagian", SETDA))
        slug = code.lower()
        add(f"{slug}.kabag", f"Kepala {name}", code, f"asisten{asisten + 1}", "administrator",
            True, "IV/a", SETDA, "kabag")
        short = name.removeprefix("Bagian ")
        add(f"{slug}.kasubbag", f"Kepala Subbagian Administrasi {short}", code,
            f"{slug}.kabag", "pengawas", False, "III/d", SETDA, "kasubbag")
        add(f"{slug}.staf1", "Analis Kebijakan", code, f"{slug}.kasubbag", "fungsional", False,
            "III/b", SETDA, "staf", job="Analis Kebijakan")
        if code == "SETDA.UMUM":
            setda.clerk = add(f"{slug}.pencatat", "Pengadministrasi Umum (Pencatat Surat)", code,
                              f"{slug}.kasubbag", "pelaksana", False, "II/d", SETDA,
                              "pencatat", roles=("pencatat", "pegawai"))
    setda.posts = list(posts)

    for code, name, size, bidang in words.OFFICES:
        office = Office(code, name, size, words.OFFICE_WEIGHT[size], code)
        offices.append(office)
        units.append((code, name, "opd", "PEMDA"))
        slug = code.lower()
        start = len(posts)
        if size == "kecamatan":
            place = name.removeprefix("Kecamatan ")
            office.head = add(f"{slug}.kepala", f"Camat {place}", code, "sekda", "administrator",
                              True, "IV/a", code, "kepala")
            office.secretary = add(f"{slug}.sekretaris", "Sekretaris Kecamatan", code,
                                   f"{slug}.kepala", "pengawas", False, "III/d", code,
                                   "sekretaris")
            office.clerk = add(f"{slug}.pencatat", "Pengadministrasi Umum (Pencatat Surat)", code,
                               f"{slug}.sekretaris", "pelaksana", False, "II/c", code,
                               "pencatat", roles=("pencatat", "pegawai"))
            for i, seksi in enumerate(words.SEKSI_OF_KECAMATAN, start=1):
                add(f"{slug}.kasi{i}", seksi, code, f"{slug}.kepala", "pengawas", False, "III/c",
                    code, "kasi")
            office.posts = posts[start:]
            continue
        head_name = {"INSPEKTORAT": "Inspektur Daerah",
                     "SATPOLPP": "Kepala Satuan Polisi Pamong Praja"}.get(code, f"Kepala {name}")
        office.head = add(f"{slug}.kepala", head_name, code, "sekda", "jpt", True, "IV/c", code,
                          "kepala")
        secretariat = code
        if size == "besar":
            secretariat = f"{code}.SEK"
            units.append((secretariat, f"Sekretariat {name}", "sekretariat", code))
        office.secretary = add(f"{slug}.sekretaris", f"Sekretaris {name}", secretariat,
                               f"{slug}.kepala", "administrator", size == "besar", "IV/a",
                               code, "sekretaris")
        clerk_parent = f"{slug}.sekretaris"
        if size == "besar":
            add(f"{slug}.kasubbag", "Kepala Subbagian Umum dan Kepegawaian", secretariat,
                f"{slug}.sekretaris", "pengawas", False, "III/d", code, "kasubbag")
            clerk_parent = f"{slug}.kasubbag"
        office.clerk = add(f"{slug}.pencatat", "Pengadministrasi Umum (Pencatat Surat)",
                           secretariat, clerk_parent, "pelaksana", False, "II/c", code,
                           "pencatat", roles=("pencatat", "pegawai"))
        sections = 3 if size == "besar" else 1
        for i, field_name in enumerate(bidang, start=1):
            add(f"{slug}.kabid{i}", f"Kepala Bidang {field_name}", code, f"{slug}.kepala",
                "administrator", False, "IV/a", code, "kabid")
        for i in range(1, sections + 1):
            add(f"{slug}.kasi{i}", f"Kepala Seksi {SEKSI[i - 1]} {bidang[i - 1]}", code,
                f"{slug}.kabid{i}", "pengawas", False, "III/c", code, "kasi")
            job = words.STAFF_JOBS[(len(posts) + i) % len(words.STAFF_JOBS)]
            add(f"{slug}.staf{i}", job, code, f"{slug}.kasi{i}",
                "fungsional" if "Analis" in job or "Pranata" in job or job == "Arsiparis"
                else "pelaksana", False, "III/a", code, "staf", job=job)
        office.posts = posts[start:]

    # The plan above has a few more positions than a region of this size: the last
    # middle-sized offices do without a staff position under their seksi.
    for office in reversed(offices):
        if len(posts) <= POSITION_COUNT:
            break
        if office.size == "sedang":
            staff = office.of_kind("staf")
            if staff:
                posts.remove(staff[-1])
                office.posts.remove(staff[-1])
    by_key = {p.key: p for p in posts}
    for post in posts:
        post.parent = by_key.get(post.parent_key) if post.parent_key else None
        if post.parent is not None:
            post.parent.children.append(post)
    assert len(units) == UNIT_COUNT, len(units)
    assert len(posts) == POSITION_COUNT, len(posts)
    return Org(units, posts, offices)


GOLONGAN_AGE = {"II/c": 30, "II/d": 33, "III/a": 32, "III/b": 36, "III/c": 40, "III/d": 44,
                "IV/a": 47, "IV/b": 50, "IV/c": 52, "IV/d": 55}


def _clean_name(name: str) -> str:
    """Faker's id_ID names may carry titles ("Dr.", "S.Sos."): keep the name only."""
    name = name.split(",")[0]
    name = " ".join(w for w in name.split() if "." not in w and w not in ("Cut", "Tgk"))
    return name.strip()[:150] or "Budi Santoso"


def write(org: Org, session, faker: Faker, rng: random.Random, password_hash: str,
          today: dt.date, now: dt.datetime) -> None:
    """Write the units, staff, positions and users through the ORM (one flush)."""
    from eoffice.auth.models import User, UserRole
    from eoffice.org.models import Position, Unit
    from eoffice.staff.models import Golongan, Staff

    pangkat = {g.code: g.pangkat for g in session.query(Golongan)}
    units: dict[str, Unit] = {}
    for order, (code, name, kind, parent) in enumerate(org.units):
        units[code] = Unit(code=code, name=name, kind=kind, parent=units.get(parent),
                           sort_order=order)
        session.add(units[code])
    positions: dict[str, Position] = {}
    people: dict[str, tuple[Staff, User]] = {}
    for sequence, post in enumerate(org.posts, start=1):
        gender = "L" if rng.random() < 0.6 else "P"
        name = _clean_name(faker.name_male() if gender == "L" else faker.name_female())
        politician = post.golongan is None
        age = GOLONGAN_AGE.get(post.golongan or "", 50) + rng.randint(-3, 6)
        birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        staff = Staff(name=name, gender=gender, birth_place=faker.city(),
                      birth_date=birth, employment_type="non_asn" if politician else "pns",
                      golongan_code=post.golongan, jabatan_type=post.jabatan,
                      jabatan_name=post.job or post.name, unit=units[post.unit_code],
                      status="aktif", phone=f"08{rng.randint(1100000000, 5999999999)}",
                      email=f"{post.username}@bench.go.id",
                      front_title="Dr." if post.jabatan == "jpt" and rng.random() < 0.2 else None,
                      back_title=rng.choice(BACK_TITLES) if rng.random() < 0.85 else None)
        if not politician:
            tmt = min(birth.year + rng.randint(22, 27), today.year - 1)
            staff.nip = make_nip(birth, tmt, rng.randint(1, 12), gender, sequence)
        position = Position(name=post.name, unit=units[post.unit_code],
                            parent=positions.get(post.parent_key or ""),
                            jabatan_type=post.jabatan, is_head=post.is_head, holder=staff,
                            sort_order=sequence)
        positions[post.key] = position
        user = User(username=post.username, full_name=staff.full_name, password_hash=password_hash,
                    email=staff.email, staff=staff, password_changed_at=now,
                    roles=[UserRole(role=role) for role in post.roles])
        session.add_all([staff, position, user])
        people[post.key] = (staff, user)
    session.flush()
    for post in org.posts:
        staff, user = people[post.key]
        post.id, post.unit_id = positions[post.key].id, units[post.unit_code].id
        post.user_id, post.staff_id, post.full_name = user.id, staff.id, user.full_name
        post.nip, post.unit_name = staff.nip, units[post.unit_code].name
        post.rank = f"{pangkat[post.golongan]} ({post.golongan})" if post.golongan else ""
