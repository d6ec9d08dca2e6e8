"""Words the benchmark's letters are made of: the region's offices, subjects, senders.

Everything here is plain data. ``eoffice.bench.seed`` combines it (with Faker's
``id_ID`` names and companies) into letters that read like a regional government's
mail, so that the search index, the lists and the pages hold text of a realistic
length and variety.

Two words are kept under control because the benchmark searches for them:
``COMMON_WORD`` ("rapat", meeting) appears only in the subjects of the
``MEETING_SUBJECTS`` (about 20% of letters) and in the notes and summaries of
those letters; ``RARE_WORD`` (a made-up village) appears only in the
``RARE_LETTERS`` letters the seeder plants it in. No other string here starts with
either word.
"""

from __future__ import annotations

COMMON_WORD = "rapat"
RARE_WORD = "Lembahkabut"
RARE_LETTERS = 10  # letters that carry RARE_WORD

# The region's offices (OPD): code, name, size. "besar" offices have a secretariat unit
# (sekretariat) of their own with the clerk in it; "sedang" ones keep every position in
# the office's unit; "kecamatan" are the districts.
OFFICES = [
    ("DISDIK", "Dinas Pendidikan", "besar", ["Pembinaan Sekolah Dasar",
                                             "Pembinaan Sekolah Menengah Pertama",
                                             "Pendidik dan Tenaga Kependidikan"]),
    ("DINKES", "Dinas Kesehatan", "besar", ["Kesehatan Masyarakat",
                                            "Pencegahan dan Pengendalian Penyakit",
                                            "Pelayanan dan Sumber Daya Kesehatan"]),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "besar", ["Bina Marga",
                                                                   "Sumber Daya Air",
                                                                   "Penataan Ruang"]),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "besar", [
        "Perencanaan Pemerintahan dan Pembangunan Manusia",
        "Perencanaan Perekonomian dan Sumber Daya Alam", "Infrastruktur dan Kewilayahan"]),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "besar", ["Anggaran",
                                                                      "Perbendaharaan",
                                                                      "Aset Daerah"]),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "besar", [
        "Aplikasi Informatika", "Informasi dan Komunikasi Publik", "Statistik dan Persandian"]),
    ("DINSOS", "Dinas Sosial", "sedang", ["Rehabilitasi Sosial",
                                          "Perlindungan dan Jaminan Sosial"]),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "sedang", [
        "Pelayanan Pendaftaran Penduduk", "Pelayanan Pencatatan Sipil"]),
    ("DISHUB", "Dinas Perhubungan", "sedang", ["Lalu Lintas dan Angkutan", "Sarana dan Prasarana"]),
    ("DLH", "Dinas Lingkungan Hidup", "sedang", ["Pengelolaan Sampah", "Pengendalian Pencemaran"]),
    ("DISTAN", "Dinas Pertanian", "sedang", ["Tanaman Pangan", "Peternakan dan Kesehatan Hewan"]),
    ("DISPERINDAG", "Dinas Perdagangan dan Perindustrian", "sedang", ["Perdagangan",
                                                                      "Perindustrian"]),
    ("DISKOPUKM", "Dinas Koperasi dan Usaha Mikro", "sedang", ["Koperasi", "Usaha Mikro"]),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "sedang", [
        "Pelayanan Perizinan", "Promosi Penanaman Modal"]),
    ("DISPARPORA", "Dinas Pariwisata, Pemuda dan Olahraga", "sedang", ["Pariwisata",
                                                                       "Pemuda dan Olahraga"]),
    ("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa", "sedang", ["Pemerintahan Desa",
                                                                  "Pemberdayaan Masyarakat"]),
    ("DISNAKER", "Dinas Tenaga Kerja", "sedang", ["Penempatan Tenaga Kerja",
                                                  "Hubungan Industrial"]),
    ("DISPERKIM", "Dinas Perumahan dan Kawasan Permukiman", "sedang", ["Perumahan",
                                                                       "Kawasan Permukiman"]),
    ("INSPEKTORAT", "Inspektorat Daerah", "sedang", ["Inspektur Pembantu Wilayah I",
                                                     "Inspektur Pembantu Wilayah II"]),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "sedang", ["Penegakan Peraturan Daerah",
                                                          "Ketenteraman dan Ketertiban Umum"]),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "sedang", [
        "Mutasi dan Promosi", "Pengembangan Kompetensi"]),
    ("BAPENDA", "Badan Pendapatan Daerah", "sedang", ["Pendataan dan Penetapan",
                                                      "Penagihan dan Keberatan"]),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "sedang", ["Pencegahan dan Kesiapsiagaan",
                                                               "Kedaruratan dan Logistik"]),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "sedang", [
        "Ideologi dan Wawasan Kebangsaan", "Politik Dalam Negeri"]),
    ("KEC.SUKAMAJU", "Kecamatan Sukamaju", "kecamatan", []),
    ("KEC.MEKARSARI", "Kecamatan Mekarsari", "kecamatan", []),
    ("KEC.KARANGANYAR", "Kecamatan Karanganyar", "kecamatan", []),
    ("KEC.SIDOMULYO", "Kecamatan Sidomulyo", "kecamatan", []),
    ("KEC.TANJUNGSARI", "Kecamatan Tanjungsari", "kecamatan", []),
    ("KEC.SUMBERREJO", "Kecamatan Sumberrejo", "kecamatan", []),
]
OFFICE_WEIGHT = {"besar": 3.0, "sedang": 2.0, "kecamatan": 1.0}

# Bagian of the Sekretariat Daerah under each Asisten: code, name, asisten index.
SETDA_BAGIAN = [
    ("SETDA.PEM", "Bagian Tata Pemerintahan", 0),
    ("SETDA.HUKUM", "Bagian Hukum", 0),
    ("SETDA.EKBANG", "Bagian Perekonomian dan Sumber Daya Alam", 1),
    ("SETDA.UMUM", "Bagian Umum", 2),
]
ASISTEN = ["Asisten Pemerintahan dan Kesejahteraan Rakyat",
           "Asisten Perekonomian dan Pembangunan", "Asisten Administrasi Umum"]
HEAD_TITLES = {"kabupaten": ("Bupati", "Wakil Bupati"),
               "kota": ("Wali Kota", "Wakil Wali Kota"),
               "provinsi": ("Gubernur", "Wakil Gubernur")}

SEKSI_OF_KECAMATAN = ["Kepala Seksi Pemerintahan",
                      "Kepala Seksi Ketenteraman dan Ketertiban Umum"]
STAFF_JOBS = ["Analis Kebijakan", "Pranata Komputer", "Pengelola Keuangan", "Arsiparis",
              "Penyusun Program Anggaran dan Pelaporan", "Pengadministrasi Perkantoran",
              "Analis Data dan Informasi", "Penata Laporan Keuangan"]

# Topics: what a letter is about, with the classification code (Permendagri 83/2022)
# a clerk would give it.
TOPICS = [
    ("Percepatan Penurunan Stunting", "400.7"), ("Imunisasi Anak Sekolah", "400.7"),
    ("Pelayanan Puskesmas", "400.7"), ("Jaminan Kesehatan Nasional", "400.7"),
    ("Penerimaan Peserta Didik Baru", "400.3"), ("Bantuan Operasional Sekolah", "400.3"),
    ("Implementasi Kurikulum Merdeka", "400.3"), ("Penyaluran Bantuan Sosial", "400.9"),
    ("Penanganan Kemiskinan Ekstrem", "400.9"), ("Perekaman KTP Elektronik", "400.12"),
    ("Pemutakhiran Data Kependudukan", "400.12"), ("Penyaluran Dana Desa", "400.10"),
    ("Pemilihan Kepala Desa Serentak", "400.10"), ("Badan Usaha Milik Desa", "400.10"),
    ("Pengendalian Inflasi Daerah", "500.2"), ("Revitalisasi Pasar Rakyat", "500.2"),
    ("Pemberdayaan Usaha Mikro", "500.3"), ("Cadangan Pangan Pemerintah Daerah", "500.1"),
    ("Distribusi Pupuk Bersubsidi", "500.6"), ("Penyakit Mulut dan Kuku", "500.7"),
    ("Perizinan Berusaha Berbasis Risiko", "500.16"),
    ("Sistem Pemerintahan Berbasis Elektronik", "500.12"), ("Satu Data Indonesia", "500.14"),
    ("Keselamatan Lalu Lintas", "500.11"), ("Promosi Pariwisata Daerah", "500.13"),
    ("Penempatan Tenaga Kerja", "500.15"), ("Pemeliharaan Jalan Kabupaten", "600.1"),
    ("Rehabilitasi Jaringan Irigasi", "600.1"), ("Rumah Tidak Layak Huni", "600.2"),
    ("Rencana Tata Ruang Wilayah", "600.3"), ("Pengelolaan Sampah Terpadu", "600.4"),
    ("Pengawasan Limbah Industri", "600.4"), ("Penanggulangan Bencana Banjir", "300.2"),
    ("Kesiapsiagaan Bencana Kekeringan", "300.2"),
    ("Ketenteraman dan Ketertiban Umum", "300.1"), ("Pemilihan Umum Serentak", "200.2"),
    ("Pembinaan Wawasan Kebangsaan", "200.1"), ("Standar Pelayanan Publik", "100.2"),
    ("Reformasi Birokrasi", "000.8"), ("Penyusunan Peraturan Daerah", "100.3"),
    ("Tindak Lanjut Hasil Pemeriksaan BPK", "700.1"),
    ("Sistem Pengendalian Intern Pemerintah", "700.1"), ("Penataan Tenaga Non-ASN", "800.1"),
    ("Seleksi PPPK", "800.1"), ("Pelatihan Dasar CPNS", "800.2"),
    ("Penegakan Disiplin Pegawai", "800.1"), ("Penyusunan APBD Perubahan", "900.1"),
    ("Pajak Bumi dan Bangunan Perdesaan", "900.1"),
    ("Pengelolaan Barang Milik Daerah", "000.2"), ("Pengadaan Barang dan Jasa", "000.3"),
    ("Pengelolaan Arsip Dinamis", "000.5"), ("Rencana Kerja Pemerintah Daerah", "000.7"),
    ("Peringatan Hari Kemerdekaan", "000.1"), ("Perjalanan Dinas Pegawai", "000.1.2.3"),
]
PERIODS = ["Triwulan I", "Triwulan II", "Triwulan III", "Triwulan IV", "Semester I",
           "Semester II"]
COMPLAINTS = [("Jalan Rusak", "600.1"), ("Penerangan Jalan Umum", "600.1"),
              ("Sampah Liar", "600.4"), ("Air Bersih", "600.1"), ("Pungutan Liar", "700.1"),
              ("Genangan Banjir", "300.2"), ("Pelayanan Administrasi Kependudukan", "400.12")]
EVENTS = ["Peringatan Hari Jadi Kabupaten", "Upacara Hari Kesadaran Nasional",
          "Musyawarah Perencanaan Pembangunan Kecamatan", "Pekan Olahraga Pelajar",
          "Festival Budaya Daerah", "Jalan Sehat Hari Kesehatan Nasional",
          "Gelar Teknologi Tepat Guna"]
VILLAGES = ["Sukamaju", "Mekarjaya", "Sidomulyo", "Margahayu", "Sukarame", "Tanjungsari",
            "Karangrejo", "Bojongsari", "Sindangsari", "Wonorejo", "Kedungrejo", "Pasirjaya",
            "Sumbersari", "Cibeureum", "Ciherang", "Mekarsari", "Karanganyar", "Sukadana",
            "Banjarsari", "Tegalsari", "Purwodadi", "Sidodadi", "Margamulya", "Sukaresmi",
            "Jatimulya", "Kertajaya", "Cikoneng", "Bangunjaya", "Rejosari", "Suka Damai",
            "Talang Jawa", "Air Hitam", "Padang Ratu", "Tanjung Agung", "Lubuk Raya",
            "Muara Baru", "Teluk Jaya", "Sungai Pinang", "Batu Ampar", "Pulau Harapan"]
VENUES = ["Aula Kantor Bupati", "Pendopo Kabupaten", "Gedung Serba Guna",
          "Aula Sekretariat Daerah", "Aula Kantor Camat", "Hotel Grand Permata"]
MEETING_VENUES = ["Ruang Rapat Sekretariat Daerah", "Ruang Rapat Bappeda",
                  "Ruang Rapat Asisten Pemerintahan", "Ruang Rapat Lantai II"]
MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember"]
WEEKDAYS_ID = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]

# Subjects: (template, weight, classification code or None: the topic's). Meetings
# ("rapat") are COMMON_WORD's share: about 20% of the total weight.
MEETING_SUBJECTS = [
    ("Undangan Rapat Koordinasi {topic}", 8, None),
    ("Undangan Rapat Pembahasan {topic}", 4, None),
    ("Undangan Rapat Evaluasi {topic} {period} Tahun {year}", 3, None),
    ("Undangan Rapat Kerja {topic}", 2, None),
    ("Penyampaian Notulen Rapat {topic}", 2, "000.1.5"),
    ("Laporan Hasil Rapat Koordinasi {topic}", 1, None),
]
OTHER_SUBJECTS = [
    ("Permohonan Data {topic}", 8, None),
    ("Laporan Realisasi Anggaran {period} Tahun {year}", 5, "900.1"),
    ("Pemberitahuan {topic}", 6, None),
    ("Surat Edaran tentang {topic}", 5, None),
    ("Usulan Kenaikan Pangkat Periode {kp} {year}", 3, "800.1"),
    ("Undangan Sosialisasi {topic}", 6, None),
    ("Undangan Bimbingan Teknis {topic}", 4, "800.2"),
    ("Permohonan Narasumber Kegiatan {topic}", 3, None),
    ("Permohonan Izin Penelitian di Kecamatan {place}", 3, "000.9"),
    ("Pengajuan Proposal Bantuan {topic} Desa {village}", 4, None),
    ("Permohonan Rekomendasi {topic}", 3, None),
    ("Penyampaian Laporan {topic} Kecamatan {place}", 4, None),
    ("Permohonan Audiensi terkait {topic}", 3, None),
    ("Penyampaian Hasil Monitoring dan Evaluasi {topic}", 4, None),
    ("Permohonan Verifikasi {topic}", 2, None),
    ("Pengaduan Masyarakat tentang {complaint} di Desa {village}", 4, "complaint"),
    ("Penawaran Kerja Sama {topic}", 3, "000.3"),
    ("Permohonan Bantuan Dana {event}", 3, "900.1"),
    ("Undangan {event}", 3, "000.1"),
]
# The subjects that carry RARE_WORD (a village) in the letters where it is planted.
RARE_SUBJECTS = ["Permohonan Data Kependudukan Desa {rare}",
                 "Pengaduan Masyarakat tentang Jalan Rusak di Desa {rare}",
                 "Pengajuan Proposal Bantuan Air Bersih Desa {rare}"]

SUMMARIES = {
    "meeting": ["Mohon kehadiran Bapak/Ibu pada rapat yang akan dilaksanakan pada hari "
                "{weekday}, {date} pukul {time} WIB di {meeting_venue}.",
                "Rapat membahas {topic}; peserta diminta membawa data pendukung."],
    "request": ["Dalam rangka {topic}, dimohon bantuan Bapak/Ibu untuk menyampaikan data "
                "dan dukungan sesuai lampiran surat ini.",
                "Mohon perkenan Bapak/Ibu untuk menindaklanjuti permohonan ini paling lambat "
                "{date}."],
    "report": ["Bersama ini disampaikan laporan sebagai bahan evaluasi dan tindak lanjut.",
               "Laporan disusun berdasarkan hasil pemantauan di {place} dan desa sekitarnya."],
    "notice": ["Disampaikan untuk diketahui dan dilaksanakan sebagaimana mestinya.",
               "Ketentuan ini berlaku sejak tanggal ditetapkan sampai dengan pemberitahuan "
               "lebih lanjut."],
    "event": ["Mohon kehadiran Bapak/Ibu atau pejabat yang ditunjuk pada kegiatan tersebut "
              "di {venue}.",
              "Kegiatan dilaksanakan pada hari {weekday}, {date} di {venue}."],
    "complaint": ["Warga menyampaikan keluhan dan mohon segera ditindaklanjuti oleh instansi "
                  "terkait.",
                  "Keluhan sudah berlangsung lebih dari satu bulan dan belum ada penanganan."],
}

# Disposition notes and reports. MEETING_* ones are used only on meeting letters.
NOTES = ["Mohon ditindaklanjuti sesuai ketentuan.", "Pelajari dan siapkan bahan.",
         "Koordinasikan dengan bidang terkait.", "Untuk diketahui dan diarsipkan.",
         "Segera proses dan laporkan hasilnya.", "Siapkan jawaban tertulis.",
         "Wakili dan laporkan hasilnya."]
MEETING_NOTES = ["Hadiri rapat dan laporkan hasilnya.", "Siapkan bahan rapat."]
REPORTS = ["Sudah ditindaklanjuti.", "Telah dikoordinasikan dengan bidang terkait.",
           "Data sudah disampaikan kepada pemohon.", "Sudah diproses sesuai ketentuan.",
           "Jawaban tertulis sudah dikirim."]
MEETING_REPORTS = ["Rapat sudah dihadiri; hasil terlampir.", "Bahan rapat sudah disiapkan."]
FILED_NOTES = ["Untuk diketahui; diarsipkan.", "Tidak memerlukan tindak lanjut.",
               "Tembusan; diarsipkan."]
CANCEL_REASONS = ["Salah input: surat tercatat ganda.", "Salah pilih tujuan surat.",
                  "Surat ditarik kembali oleh pengirim."]
RETURN_NOTES = ["Perbaiki dasar hukum pada paragraf pertama.", "Lengkapi lampiran data.",
                "Sesuaikan dengan format tata naskah dinas."]

# Senders: central and provincial agencies (name, abbreviation for their numbers).
AGENCIES = [
    ("Kementerian Dalam Negeri", "SJ"), ("Kementerian Keuangan", "PK"),
    ("Kementerian Kesehatan", "KM"),
    ("Kementerian Pendidikan, Kebudayaan, Riset, dan Teknologi", "SJ"),
    ("Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi", "M.SM"),
    ("Kementerian Desa, Pembangunan Daerah Tertinggal, dan Transmigrasi", "PPMD"),
    ("Kementerian Sosial", "LJS"), ("Kementerian Pertanian", "PSP"),
    ("Badan Pusat Statistik", "BPS"), ("Badan Kepegawaian Negara", "BKN"),
    ("Badan Siber dan Sandi Negara", "BSSN"), ("Arsip Nasional Republik Indonesia", "ANRI"),
    ("Perwakilan BPKP Provinsi", "PW"), ("BPK RI Perwakilan Provinsi", "BPK"),
    ("Komisi Pemilihan Umum Kabupaten", "KPU-Kab"), ("Badan Pengawas Pemilihan Umum Kabupaten",
                                                     "Bawaslu"),
    ("Kepolisian Resor", "Polres"), ("Komando Distrik Militer", "Kodim"),
    ("Kejaksaan Negeri", "Kejari"), ("Pengadilan Agama", "PA"),
    ("Sekretariat Dewan Perwakilan Rakyat Daerah", "DPRD"),
    ("Gubernur", "Gub"), ("Dinas Kesehatan Provinsi", "Dinkes Prov"),
    ("Badan Kepegawaian Daerah Provinsi", "BKD"), ("Dinas Pendidikan Provinsi", "Disdik Prov"),
    ("Badan Penanggulangan Bencana Daerah Provinsi", "BPBD Prov"),
]
NEIGHBOURS = ["Sukamakmur", "Tanah Merah", "Lembah Hijau", "Pesisir Barat", "Bukit Raya",
              "Sungai Lebar", "Muara Enim Baru", "Gunung Sari", "Danau Indah", "Pantai Timur"]
ORGANISATIONS = ["SD Negeri {n} {place}", "SMP Negeri {n} {place}", "SMA Negeri {n} {place}",
                 "Universitas Negeri {place}", "Yayasan Pendidikan Nusantara {place}",
                 "Karang Taruna Desa {village}", "Kepala Desa {village}",
                 "Badan Permusyawaratan Desa {village}", "Tim Penggerak PKK Kecamatan {place}",
                 "Lembaga Swadaya Masyarakat Peduli {place}", "Koperasi Tani Makmur {village}"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]

# Outgoing letters: body paragraphs.
OPENINGS = ["Dengan hormat,", "Sehubungan dengan surat Bapak/Ibu, dengan ini disampaikan hal "
            "sebagai berikut."]
CLOSINGS = ["Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.",
            "Demikian untuk menjadi perhatian dan dilaksanakan."]
DESTINATIONS = ["Jakarta", "Ibu kota provinsi", "Kecamatan Sukamaju", "Kecamatan Sidomulyo",
                "Bandung", "Surabaya", "Makassar", "Yogyakarta"]
