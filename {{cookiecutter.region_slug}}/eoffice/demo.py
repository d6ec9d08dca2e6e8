"""Realistic demo data for trainers: units, positions, 60+ staff, a user per role.

Deterministic (seeded) and idempotent: running it twice adds nothing new.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import sqlalchemy as sa
from faker import Faker

from eoffice.auth import services as auth_services
from eoffice.auth.models import User
from eoffice.extensions import db
from eoffice.org.models import Position, Unit
from eoffice.reference import seed_reference_data
from eoffice.staff.models import Staff
from eoffice.staff.nip import make_nip

DEMO_PASSWORD = "demo-eoffice1"  # noqa: S105 - printed for trainers; demo refuses production
#: The demo signatories' signing passphrase (typed to sign a letter), and the demo region
#: CA's passphrase (``flask eoffice ca issue`` for more trainees); both printed.
DEMO_SIGNING_PASSPHRASE = "demo-tte-eoffice1"  # noqa: S105 - as above
DEMO_CA_PASSPHRASE = "demo-ca-eoffice1"  # noqa: S105 - as above
#: Demo users enrolled with a certificate of the region CA, so the demo signs for real.
DEMO_SIGNERS = ("pimpinan", "admin")

# code, name, kind, parent code
UNITS = [
    ("SETDA", "Sekretariat Daerah", "sekretariat", None),
    ("SETDA.UMUM", "Bagian Umum", "bagian", "SETDA"),
    ("SETDA.UMUM.TU", "Subbagian Tata Usaha Pimpinan", "subbagian", "SETDA.UMUM"),
    ("SETDA.ORG", "Bagian Organisasi", "bagian", "SETDA"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "opd", None),
    ("DISKOMINFO.SEK", "Sekretariat Dinas Kominfo", "sekretariat", "DISKOMINFO"),
    ("DISKOMINFO.SEK.UMPEG", "Subbagian Umum dan Kepegawaian", "subbagian", "DISKOMINFO.SEK"),
    ("DISKOMINFO.APTIKA", "Bidang Aplikasi Informatika", "bidang", "DISKOMINFO"),
    ("DISKOMINFO.IKP", "Bidang Informasi dan Komunikasi Publik", "bidang", "DISKOMINFO"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "opd", None),
    ("BKPSDM.MUTASI", "Bidang Mutasi dan Promosi", "bidang", "BKPSDM"),
    ("DINKES", "Dinas Kesehatan", "opd", None),
    ("DINKES.YANKES", "Bidang Pelayanan Kesehatan", "bidang", "DINKES"),
]

# key, name, unit code, parent key, jabatan type, is head, golongan
POSITIONS = [
    ("sekda", "Sekretaris Daerah", "SETDA", None, "jpt", True, "IV/d"),
    ("kabag_umum", "Kepala Bagian Umum", "SETDA.UMUM", "sekda", "administrator", True, "IV/a"),
    ("kasubbag_tu", "Kepala Subbagian Tata Usaha Pimpinan", "SETDA.UMUM.TU", "kabag_umum",
     "pengawas", True, "III/d"),
    ("kabag_org", "Kepala Bagian Organisasi", "SETDA.ORG", "sekda", "administrator", True, "IV/a"),
    ("kadis_kominfo", "Kepala Dinas Komunikasi dan Informatika", "DISKOMINFO", "sekda", "jpt",
     True, "IV/c"),
    ("sekdis_kominfo", "Sekretaris Dinas Kominfo", "DISKOMINFO.SEK", "kadis_kominfo",
     "administrator", True, "IV/a"),
    ("kasubbag_umpeg", "Kepala Subbagian Umum dan Kepegawaian", "DISKOMINFO.SEK.UMPEG",
     "sekdis_kominfo", "pengawas", True, "III/d"),
    ("pengadministrasi_umum", "Pengadministrasi Umum (Pencatat Surat)", "DISKOMINFO.SEK.UMPEG",
     "kasubbag_umpeg", "pelaksana", False, "II/c"),
    ("kabid_aptika", "Kepala Bidang Aplikasi Informatika", "DISKOMINFO.APTIKA", "kadis_kominfo",
     "administrator", True, "IV/a"),
    ("pranata_komputer", "Pranata Komputer Ahli Pertama", "DISKOMINFO.APTIKA", "kabid_aptika",
     "fungsional", False, "III/a"),
    ("kabid_ikp", "Kepala Bidang Informasi dan Komunikasi Publik", "DISKOMINFO.IKP",
     "kadis_kominfo", "administrator", True, "III/d"),
    ("kaban_bkpsdm", "Kepala BKPSDM", "BKPSDM", "sekda", "jpt", True, "IV/c"),
    ("kabid_mutasi", "Kepala Bidang Mutasi dan Promosi", "BKPSDM.MUTASI", "kaban_bkpsdm",
     "administrator", True, "IV/a"),
    ("kadis_kesehatan", "Kepala Dinas Kesehatan", "DINKES", "sekda", "jpt", True, "IV/c"),
    ("kabid_yankes", "Kepala Bidang Pelayanan Kesehatan", "DINKES.YANKES", "kadis_kesehatan",
     "administrator", True, "IV/a"),
]

# username, full-name source position key, roles
USERS = [
    ("admin", "kabid_aptika", ["admin", "pegawai"]),
    ("pencatat", "pengadministrasi_umum", ["pencatat", "pegawai"]),
    ("pimpinan", "kadis_kominfo", ["pimpinan", "pegawai"]),
    ("pegawai", "pranata_komputer", ["pegawai"]),
]

BACK_TITLES = ["S.Kom.", "S.E.", "S.H.", "S.Sos.", "S.T.", "S.Pd.", "A.Md.", "S.I.Kom.",
               "S.Kom., M.T.", "S.E., M.M.", "S.H., M.H.", "S.Sos., M.Si.", "S.K.M."]
GOLONGAN_BY_RANK = ["II/a", "II/b", "II/c", "II/d", "III/a", "III/b", "III/c", "III/d"]
MIN_STAFF = 64


@dataclass
class DemoResult:
    units: int
    positions: int
    staff: int
    users: list[tuple[str, str, str]]  # username, password or "", roles
    letters: int = 0
    signers: list[str] | None = None  # enrolled with a certificate (DEMO_SIGNING_PASSPHRASE)
    signing_note: str = ""  # why no one was enrolled, when so


def _person(faker: Faker, rng: random.Random, sequence: int, golongan: str | None = None,
            employment: str = "pns", unit: Unit | None = None, jabatan: str = "pelaksana",
            jabatan_name: str | None = None) -> Staff:
    gender = rng.choice("LP")
    name = faker.name_male() if gender == "L" else faker.name_female()
    # Faker's id_ID names may carry titles ("Dr.", "S.Sos.", ", M.Farm"): keep the name only.
    name = name.split(",")[0]
    name = " ".join(w for w in name.split() if "." not in w and w not in ("Cut", "Tgk"))
    name = name.strip()[:150] or "Budi Santoso"
    rank = GOLONGAN_BY_RANK.index(golongan) if golongan in GOLONGAN_BY_RANK else 9
    age = 24 + rank * 2 + rng.randint(0, 10)
    birth = dt.date(dt.date.today().year - age, rng.randint(1, 12), rng.randint(1, 28))
    tmt_year = min(birth.year + rng.randint(22, 27), dt.date.today().year - 1)
    staff = Staff(
        name=name, gender=gender, birth_place=faker.city(), employment_type=employment,
        golongan_code=golongan if employment == "pns" else None, jabatan_type=jabatan,
        jabatan_name=jabatan_name, unit=unit, status="aktif",
        back_title=rng.choice(BACK_TITLES) if rng.random() < 0.8 else None,
        phone=f"08{rng.randint(1100000000, 5999999999)}",
    )
    staff.email = f"{name.split()[0].lower()}.{sequence}@contoh.go.id"
    if employment == "pns":
        staff.nip = make_nip(birth, tmt_year, rng.randint(1, 12), gender, sequence)
        staff.birth_date = birth
    elif employment == "pppk":
        staff.pppk_number = f"{birth:%Y%m%d}{2022 + sequence % 3}{sequence:06d}"
        staff.birth_date = birth
    else:
        staff.birth_date = birth
    return staff


def load_demo(faker_seed: int = 20240417) -> DemoResult:
    seed_reference_data()
    faker = Faker("id_ID")
    faker.seed_instance(faker_seed)
    rng = random.Random(faker_seed)

    units: dict[str, Unit] = {u.code: u for u in db.session.scalars(sa.select(Unit))}
    for order, (code, name, kind, parent) in enumerate(UNITS):
        if code not in units:
            units[code] = Unit(code=code, name=name, kind=kind, parent=units.get(parent),
                               sort_order=order)
            db.session.add(units[code])
    db.session.flush()

    existing_positions = {(p.unit_id, p.name): p for p in db.session.scalars(sa.select(Position))}
    positions: dict[str, Position] = {}
    sequence = 1
    for key, name, unit_code, parent, jabatan, is_head, golongan in POSITIONS:
        unit = units[unit_code]
        position = existing_positions.get((unit.id, name))
        if position is None:
            holder = _person(faker, rng, sequence, golongan, unit=unit, jabatan=jabatan,
                             jabatan_name=name)
            holder = _existing_or_new(holder)
            position = Position(name=name, unit=unit, parent=positions.get(parent),
                                jabatan_type=jabatan, is_head=is_head, holder=holder)
            db.session.add(position)
        positions[key] = position
        sequence += 1
    db.session.flush()

    plain_units = [u for u in units.values() if u.kind not in ("sekretariat",)]
    while db.session.scalar(sa.select(sa.func.count()).select_from(Staff)) < MIN_STAFF \
            and sequence < 500:
        roll = rng.random()
        employment = "pns" if roll < 0.75 else "pppk" if roll < 0.9 else "non_asn"
        unit = plain_units[sequence % len(plain_units)]
        golongan = rng.choice(GOLONGAN_BY_RANK)
        jabatan = rng.choice(["pelaksana", "pelaksana", "fungsional"])
        jabatan_name = rng.choice(["Pengadministrasi Perkantoran", "Analis Kebijakan",
                                   "Pranata Komputer", "Arsiparis", "Pengelola Keuangan",
                                   "Penyusun Laporan", "Pranata Humas", "Perawat"])
        _existing_or_new(_person(faker, rng, sequence, golongan, employment, unit, jabatan,
                                 jabatan_name))
        sequence += 1
    db.session.flush()

    _demo_signing_authority()
    users = []
    for username, position_key, roles in USERS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        holder = positions[position_key].holder
        if user is None:
            auth_services.create_user(username, DEMO_PASSWORD, full_name=holder.full_name,
                                      roles=roles, staff=holder, email=holder.email)
        users.append((username, DEMO_PASSWORD, ", ".join(roles)))
    db.session.commit()
    letters = load_demo_letters(positions, rng)
    signers, signing_note = enrol_demo_signers()
    return DemoResult(
        units=db.session.scalar(sa.select(sa.func.count()).select_from(Unit)),
        positions=db.session.scalar(sa.select(sa.func.count()).select_from(Position)),
        staff=db.session.scalar(sa.select(sa.func.count()).select_from(Staff)),
        users=users, letters=letters, signers=signers, signing_note=signing_note,
    )


def _demo_signing_authority() -> None:
    """The demo's signing-authority table: a nota dinas is signed by the head of a unit
    (or above), also a.n./u.b. (the migration already lets only the head of an OPD or
    of the region sign a Keputusan)."""
    from eoffice.naskah.models import NaskahType, SigningAuthority

    item = db.session.scalar(sa.select(NaskahType).where(NaskahType.code == "nota_dinas"))
    if item is not None and not item.authorities:
        db.session.add(SigningAuthority(naskah_type=item, level="kepala_unit", delegable=True))
        db.session.flush()


def enrol_demo_signers() -> tuple[list[str], str]:
    """Create the region CA if there is none (passphrase DEMO_CA_PASSPHRASE) and give each
    of DEMO_SIGNERS a certificate of it, enrolled under DEMO_SIGNING_PASSPHRASE, unless
    they already have a valid one. A CA made by someone else (another passphrase) is left
    alone: the answer says so and nobody is enrolled."""
    from flask_babel import gettext as _

    from eoffice.signing import ca, sertifikat

    try:
        ca.load_ca()
    except ca.NoCA:
        ca.init_ca(DEMO_CA_PASSPHRASE)
    try:
        ca.load_ca(DEMO_CA_PASSPHRASE)
    except ca.WrongPassphrase:
        return [], _("The region CA was not made by the demo: enrol the demo signatories "
                     "by hand (docs/it/tte.md).")
    enrolled = []
    for username in DEMO_SIGNERS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            continue
        current = sertifikat.current_certificate(user)
        if current is None or current.status() != "valid":
            issued = ca.issue(username, DEMO_CA_PASSPHRASE, DEMO_SIGNING_PASSPHRASE)
            sertifikat.enrol(user, issued.p12_path.read_bytes(), DEMO_SIGNING_PASSPHRASE,
                             DEMO_SIGNING_PASSPHRASE, actor=None)
            db.session.commit()
        enrolled.append(username)
    return enrolled, ""


def _existing_or_new(staff: Staff) -> Staff:
    """The same demo NIP is not added twice (idempotence)."""
    if staff.nip:
        found = db.session.scalar(sa.select(Staff).where(Staff.nip == staff.nip))
        if found is not None:
            return found
    if staff.pppk_number:
        found = db.session.scalar(sa.select(Staff).where(Staff.pppk_number == staff.pppk_number))
        if found is not None:
            return found
    db.session.add(staff)
    return staff


# sender, sender's number prefix, subject, security, speed, classification code
DEMO_LETTERS = [
    ("Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi", "B/{n}/M.SM.01.00",
     "Percepatan penerapan Sistem Pemerintahan Berbasis Elektronik (SPBE)", "B", "segera",
     "000.7"),
    ("Kementerian Dalam Negeri", "000.1.2/{n}/SJ", "Undangan rapat koordinasi tata naskah dinas",
     "B", "penting", "000.1"),
    ("Badan Siber dan Sandi Negara", "R/{n}/BSSN/D3", "Hasil penilaian keamanan aplikasi daerah",
     "R", "segera", "000.6"),
    ("Gubernur Provinsi", "800/{n}/BKD", "Usulan kenaikan pangkat periode April", "T", "biasa",
     "800"),
    ("PT Telkom Indonesia (Persero) Tbk", "Tel.{n}/LG 000/R4W-4C000000", "Penawaran layanan "
     "jaringan intra pemerintah", "B", "biasa", "000.3"),
    ("Komisi Informasi Daerah", "KI/{n}/IV", "Permohonan data keterbukaan informasi publik",
     "B", "amat_segera", "000.5"),
]


def load_demo_letters(positions: dict, rng: random.Random) -> int:
    """A few incoming letters at several stages, registered by the demo clerk.

    Skipped when the demo clerk already registered letters (idempotent).
    """
    from eoffice.archive.models import Classification
    from eoffice.dispositions import services as dispositions
    from eoffice.letters import services as letters
    from eoffice.letters.models import IncomingLetter

    clerk = db.session.scalar(sa.select(User).where(User.username == "pencatat"))
    head = db.session.scalar(sa.select(User).where(User.username == "pimpinan"))
    if clerk is None or head is None or db.session.scalar(
            sa.select(sa.func.count()).select_from(IncomingLetter)
            .where(IncomingLetter.registered_by_id == clerk.id)):
        return 0
    codes = dict(db.session.execute(sa.select(Classification.code, Classification.id)).all())
    today = letters.today_local()
    kadis, created = positions["kadis_kominfo"], 0
    for index, (sender, number, subject, security, speed, code) in enumerate(DEMO_LETTERS):
        received = today - dt.timedelta(days=len(DEMO_LETTERS) - index)
        letter = letters.register_letter(letters.LetterInput(
            sender=sender, sender_number=number.format(n=100 + index * 7),
            letter_date=received - dt.timedelta(days=rng.randint(1, 4)), received_date=received,
            subject=subject, summary="", classification_id=codes.get(code), security=security,
            speed=speed, to_positions=[kadis.id],
            cc_positions=[positions["sekdis_kominfo"].id] if security in ("B", "T") else [],
        ), actor=clerk)
        created += 1
        if index in (0, 2, 3):  # the head has already disposed some letters
            instructions = dispositions.active_instructions()
            dispositions.dispose(letter, dispositions.DispositionInput(
                to_positions=[positions["kabid_aptika"].id],
                instruction_ids=[instructions[1].id], note="Mohon ditindaklanjuti.",
                due_date=dispositions.default_due_date(speed, today)), actor=head)
    db.session.commit()
    return created
