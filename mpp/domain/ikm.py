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
from typing import Any

#: the nine elements' codes, in the regulation's order; their names, questions and each
#: element's four answers (a citizen answers "Gratis", not "Sangat sesuai", about the cost)
#: are worded in the language catalogues' ``skm`` section (mpp/i18n/catalogues/<lang>.json)
ELEMENT_CODES: tuple[str, ...] = tuple(f"U{i}" for i in range(1, 10))
ELEMENT_COUNT = len(ELEMENT_CODES)
MIN_SCORE, MAX_SCORE = 1, 4

#: the respondent's profile the regulation asks with the survey and its report tabulates:
#: field -> its choices' codes (named in the catalogues as ``profile.<field>.<code>``); every
#: field is optional (the survey is anonymous and a citizen may decline)
PROFILE: dict[str, tuple[str, ...]] = {
    "sex": ("L", "P"),
    "age": ("lt20", "20-29", "30-39", "40-49", "50-59", "60+"),
    "education": ("SD", "SMP", "SMA", "D1-D3", "S1", "S2", "S3"),
    "occupation": ("PNS", "TNI", "POLRI", "swasta", "wirausaha", "pelajar", "lainnya"),
}


def wording(lang: str = "id") -> dict[str, Any]:
    """The regulation's wording in ``lang`` (the catalogues' ``skm`` section, Indonesian
    filling any gap): ``element.U1``, ``question.U1``, ``answers.U1`` (four, scores 1..4),
    ``profile.<field>``, ``profile.<field>.<code>``, ``mutu.<grade>``."""
    from ..i18n import section  # the catalogue files; no Flask is used

    return section("skm", lang)


def element_names(lang: str = "id") -> tuple[str, ...]:
    """The nine elements' names in ``lang``."""
    w = wording(lang)
    return tuple(w[f"element.{code}"] for code in ELEMENT_CODES)


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
        codes = PROFILE[key]
        if value not in codes:
            raise InvalidProfile(f"{key} must be one of {', '.join(codes)}.")
        out[key] = str(value)
    return out


def profile_table(profiles: Iterable[dict[str, str]]) -> list[dict[str, object]]:
    """Respondents counted per profile field and choice (with those who did not say),
    named in Indonesian and English."""
    rows = list(profiles)
    w_id, w_en = wording("id"), wording("en")
    table: list[dict[str, object]] = []
    for key, codes in PROFILE.items():
        counts = dict.fromkeys(codes, 0)
        unknown = 0
        for p in rows:
            if p.get(key) in counts:
                counts[p[key]] += 1
            else:
                unknown += 1
        table.append({"field": key, "name": w_id[f"profile.{key}"],
                      "name_en": w_en[f"profile.{key}"],
                      "choices": [{"code": c, "label": w_id[f"profile.{key}.{c}"],
                                   "label_en": w_en[f"profile.{key}.{c}"],
                                   "count": counts[c]} for c in codes],
                      "not_given": unknown})
    return table

#: (lowest published IKM, grade), best first; the mutu pelayanan of each grade is worded
#: in the catalogues (``mutu.A`` …: Sangat Baik, Baik, Kurang Baik, Tidak Baik)
GRADES: tuple[tuple[Decimal, str], ...] = (
    (Decimal("88.31"), "A"),
    (Decimal("76.61"), "B"),
    (Decimal("65.00"), "C"),
    (Decimal("0"), "D"),
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
    grade = next((g for low, g in GRADES if published >= low), GRADES[-1][1])
    return grade, wording("id")[f"mutu.{grade}"], wording("en")[f"mutu.{grade}"]


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
                for code, name, name_en, avg in zip(ELEMENT_CODES, element_names("id"),
                                                    element_names("en"),
                                                    self.element_averages, strict=True)],
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
