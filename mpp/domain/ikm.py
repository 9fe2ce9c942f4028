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
