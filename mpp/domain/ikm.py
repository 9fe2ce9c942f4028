"""Indeks Kepuasan Masyarakat (IKM) of PermenPANRB No. 14 Tahun 2017, computed exactly.

Each respondent scores the nine elements (unsur) U1..U9 from 1 (tidak sesuai) to 4
(sangat sesuai). Per element, the average score (nilai rata-rata, NRR) is the sum of its
scores over the number of respondents. The regulation weighs every element equally
(bobot = 1/9, written 0.111 in its worked example) and converts to a 25-100 scale:

    IKM = 25 x (NRR_1 + ... + NRR_9) / 9

Everything is kept as a ``Fraction`` until it is shown: the published index is rounded
half-up to two decimals, and the grade is read from that published value, so the number
and the letter a reader sees always agree (A >= 88.31, B >= 76.61, C >= 65.00, else D).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

#: (code, Indonesian name, English name) of the nine elements, in the regulation's order
ELEMENTS: tuple[tuple[str, str, str], ...] = (
    ("U1", "Persyaratan", "Requirements"),
    ("U2", "Sistem, Mekanisme, dan Prosedur", "System, mechanism and procedure"),
    ("U3", "Waktu Penyelesaian", "Completion time"),
    ("U4", "Biaya/Tarif", "Cost/fee"),
    ("U5", "Produk Spesifikasi Jenis Pelayanan", "Product of the service"),
    ("U6", "Kompetensi Pelaksana", "Staff competence"),
    ("U7", "Perilaku Pelaksana", "Staff conduct"),
    ("U8", "Penanganan Pengaduan, Saran dan Masukan", "Handling of complaints and suggestions"),
    ("U9", "Sarana dan Prasarana", "Facilities and infrastructure"),
)
ELEMENT_COUNT = len(ELEMENTS)
MIN_SCORE, MAX_SCORE = 1, 4

#: each element's four answers, scores 1..4, as the regulation's questionnaire words them
#: (Indonesian, English): a citizen answers "Gratis", not "Sangat sesuai", about the cost
ANSWERS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("Tidak sesuai", "Not appropriate"), ("Kurang sesuai", "Not quite appropriate"),
     ("Sesuai", "Appropriate"), ("Sangat sesuai", "Very appropriate")),
    (("Tidak mudah", "Not easy"), ("Kurang mudah", "Not quite easy"), ("Mudah", "Easy"),
     ("Sangat mudah", "Very easy")),
    (("Tidak cepat", "Not fast"), ("Kurang cepat", "Not quite fast"), ("Cepat", "Fast"),
     ("Sangat cepat", "Very fast")),
    (("Sangat mahal", "Very expensive"), ("Cukup mahal", "Rather expensive"),
     ("Murah", "Cheap"), ("Gratis", "Free")),
    (("Tidak sesuai", "Not appropriate"), ("Kurang sesuai", "Not quite appropriate"),
     ("Sesuai", "Appropriate"), ("Sangat sesuai", "Very appropriate")),
    (("Tidak kompeten", "Not competent"), ("Kurang kompeten", "Not quite competent"),
     ("Kompeten", "Competent"), ("Sangat kompeten", "Very competent")),
    (("Tidak sopan dan ramah", "Impolite and unfriendly"),
     ("Kurang sopan dan ramah", "Not quite polite and friendly"),
     ("Sopan dan ramah", "Polite and friendly"),
     ("Sangat sopan dan ramah", "Very polite and friendly")),
    (("Tidak ada", "None"), ("Ada tetapi tidak berfungsi", "Exists but does not work"),
     ("Berfungsi kurang maksimal", "Works, not fully"),
     ("Dikelola dengan baik", "Well managed")),
    (("Buruk", "Poor"), ("Cukup", "Fair"), ("Baik", "Good"), ("Sangat baik", "Very good")),
)

#: the respondent's profile the regulation asks with the survey and its report tabulates:
#: field -> (Indonesian, English) name and its choices (code, Indonesian, English); every
#: field is optional (the survey is anonymous and a citizen may decline)
PROFILE: dict[str, tuple[str, str, tuple[tuple[str, str, str], ...]]] = {
    "sex": ("Jenis kelamin", "Sex", (("L", "Laki-laki", "Male"), ("P", "Perempuan", "Female"))),
    "age": ("Umur", "Age", (("lt20", "Di bawah 20 tahun", "Under 20"),
                            ("20-29", "20–29 tahun", "20–29"), ("30-39", "30–39 tahun", "30–39"),
                            ("40-49", "40–49 tahun", "40–49"), ("50-59", "50–59 tahun", "50–59"),
                            ("60+", "60 tahun ke atas", "60 and over"))),
    "education": ("Pendidikan terakhir", "Education", (
        ("SD", "SD ke bawah", "Primary or less"), ("SMP", "SMP", "Junior secondary"),
        ("SMA", "SMA/SMK", "Senior secondary"), ("D1-D3", "D1–D3", "Diploma (D1–D3)"),
        ("S1", "D4/S1", "Bachelor (D4/S1)"), ("S2", "S2", "Master (S2)"),
        ("S3", "S3", "Doctorate (S3)"))),
    "occupation": ("Pekerjaan", "Occupation", (
        ("PNS", "PNS", "Civil servant"), ("TNI", "TNI", "Armed forces"),
        ("POLRI", "POLRI", "Police"), ("swasta", "Pegawai swasta", "Private employee"),
        ("wirausaha", "Wirausaha", "Self-employed"), ("pelajar", "Pelajar/Mahasiswa", "Student"),
        ("lainnya", "Lainnya", "Other"))),
}


class InvalidProfile(ValueError):
    """A respondent profile with an unknown field or choice."""


def check_profile(profile: object) -> dict[str, str]:
    """The profile with only the answered fields; raises InvalidProfile on anything else."""
    if profile is None:
        return {}
    if not isinstance(profile, dict):
        raise InvalidProfile("respondent must be an object of profile fields.")
    out: dict[str, str] = {}
    for key, value in profile.items():
        if key not in PROFILE:
            raise InvalidProfile(f"Unknown profile field {key!r}; use {', '.join(PROFILE)}.")
        if value in (None, ""):
            continue
        codes = [c for c, _, _ in PROFILE[key][2]]
        if value not in codes:
            raise InvalidProfile(f"{key} must be one of {', '.join(codes)}.")
        out[key] = str(value)
    return out


def profile_table(profiles: Iterable[dict[str, str]]) -> list[dict[str, object]]:
    """Respondents counted per profile field and choice (with those who did not say)."""
    rows = list(profiles)
    table: list[dict[str, object]] = []
    for key, (name, name_en, choices) in PROFILE.items():
        counts = {c: 0 for c, _, _ in choices}
        unknown = 0
        for p in rows:
            if p.get(key) in counts:
                counts[p[key]] += 1
            else:
                unknown += 1
        table.append({"field": key, "name": name, "name_en": name_en,
                      "choices": [{"code": c, "label": label, "label_en": label_en,
                                   "count": counts[c]} for c, label, label_en in choices],
                      "not_given": unknown})
    return table

#: (lowest published IKM, grade, mutu pelayanan, English), best first
GRADES: tuple[tuple[Decimal, str, str, str], ...] = (
    (Decimal("88.31"), "A", "Sangat Baik", "Very good"),
    (Decimal("76.61"), "B", "Baik", "Good"),
    (Decimal("65.00"), "C", "Kurang Baik", "Poor"),
    (Decimal("0"), "D", "Tidak Baik", "Very poor"),
)


class InvalidScores(ValueError):
    """A survey answer that is not nine whole scores from 1 to 4."""


def check_scores(scores: object) -> list[int]:
    """The nine scores as ints; raises InvalidScores when they are not nine ints 1..4."""
    if not isinstance(scores, list | tuple) or len(scores) != ELEMENT_COUNT:
        raise InvalidScores(f"scores must be a list of {ELEMENT_COUNT} whole numbers 1-4 "
                            "(U1..U9).")
    out = []
    for i, v in enumerate(scores):
        if isinstance(v, bool) or not isinstance(v, int) or not MIN_SCORE <= v <= MAX_SCORE:
            raise InvalidScores(f"U{i + 1} must be a whole number from 1 to 4, not {v!r}.")
        out.append(v)
    return out


def round_half_up(value: Fraction, digits: int = 2) -> Decimal:
    """``value`` (not negative) rounded half-up, not banker's rounding, to ``digits`` places."""
    scaled = value * 10**digits + Fraction(1, 2)
    return Decimal(scaled.numerator // scaled.denominator).scaleb(-digits)


def grade_of(published: Decimal) -> tuple[str, str, str]:
    """(grade, mutu pelayanan, English) for a published (two-decimal) IKM."""
    for low, grade, label_id, label_en in GRADES:
        if published >= low:
            return grade, label_id, label_en
    return GRADES[-1][1:]  # pragma: no cover - IKM is never below 25


@dataclass(frozen=True)
class Ikm:
    """The index for a set of answers: exact values plus the published (rounded) ones."""

    respondents: int
    element_sums: tuple[int, ...]

    @property
    def element_averages(self) -> tuple[Fraction, ...]:
        """NRR per element (exact)."""
        return tuple(Fraction(s, self.respondents) for s in self.element_sums)

    @property
    def exact(self) -> Fraction:
        """25 x the mean of the nine element averages."""
        return 25 * sum(self.element_averages, Fraction(0)) / ELEMENT_COUNT

    @property
    def value(self) -> Decimal:
        """The published IKM: half-up to two decimals."""
        return round_half_up(self.exact)

    @property
    def grade(self) -> str:
        return grade_of(self.value)[0]

    def as_dict(self) -> dict[str, object]:
        """JSON form: index, grade, respondents and per-element averages (3 decimals)."""
        grade, label_id, label_en = grade_of(self.value)
        return {
            "respondents": self.respondents,
            "ikm": float(self.value),
            "grade": grade,
            "mutu": label_id,
            "mutu_en": label_en,
            "elements": [
                {"code": code, "name": name, "name_en": name_en,
                 "average": float(round_half_up(avg, 3)),
                 "ikm": float(round_half_up(avg * 25))}
                for (code, name, name_en), avg in zip(ELEMENTS, self.element_averages,
                                                      strict=True)],
        }


def from_sums(respondents: int, element_sums: Sequence[int]) -> Ikm | None:
    """The index from per-element score sums; None when nobody answered."""
    if respondents <= 0:
        return None
    if len(element_sums) != ELEMENT_COUNT:
        raise ValueError("nine element sums are needed")
    return Ikm(respondents, tuple(int(x) for x in element_sums))


def compute(answers: Iterable[Sequence[int]]) -> Ikm | None:
    """The index of a set of answers (each nine scores); None when there are none."""
    sums = [0] * ELEMENT_COUNT
    n = 0
    for answer in answers:
        for i, v in enumerate(check_scores(list(answer))):
            sums[i] += v
        n += 1
    return from_sums(n, sums)


def ikm_dict(ikm: Ikm | None) -> dict[str, object] | None:
    return None if ikm is None else ikm.as_dict()
