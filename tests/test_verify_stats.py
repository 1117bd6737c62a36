"""The verifier's statistics: exact binomial tests, exact rules at 0% and 100%, latency floors."""

from __future__ import annotations

from fractions import Fraction as F
from math import comb

import pytest

from tools.verify.outcomes import Observation, Outcome
from tools.verify.stats import assign, binomial_p_value, judge


def brute_force_p_value(observed: int, total: int, p: F) -> F:
    """The exact two-sided p-value in rational arithmetic: the mass of every count no likelier than `observed`."""
    pmf = [comb(total, k) * p**k * (1 - p) ** (total - k) for k in range(total + 1)]
    return sum((mass for mass in pmf if mass <= pmf[observed]), F(0))


@pytest.mark.parametrize(
    ("observed", "total", "p", "value"), [(3, 10, 0.5, 0.34375), (0, 10, 0.5, 2 / 1024), (5, 10, 0.5, 1.0)]
)
def test_binomial_p_value_known_values(observed, total, p, value):
    assert binomial_p_value(observed, total, p) == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize("p", [F(1, 3), F(1, 5), F(9, 10), F(1, 2)])
@pytest.mark.parametrize("total", [1, 7, 60])
def test_binomial_p_value_agrees_with_rational_arithmetic(p, total):
    for observed in range(total + 1):
        assert binomial_p_value(observed, total, float(p)) == pytest.approx(
            float(brute_force_p_value(observed, total, p)), rel=1e-6, abs=1e-300
        )


def seen(*labels: str, seconds: float = 0.0) -> list[Observation]:
    return [Observation(label, seconds) for label in labels]


JUDGEMENTS = [
    ("exact split", {Outcome("v1"): F(1, 2), Outcome("v3"): F(1, 2)}, seen(*["v1", "v3"] * 30), True),
    (
        "80/20 seen where 50/50 is expected",
        {Outcome("v1"): F(1, 2), Outcome("v3"): F(1, 2)},
        seen(*["v1"] * 48, *["v3"] * 12),
        False,
    ),
    ("within chance", {Outcome("v1"): F(1, 2), Outcome("v3"): F(1, 2)}, seen(*["v1"] * 36, *["v3"] * 24), True),
    ("always, and always seen", {Outcome("v1"): F(1)}, seen(*["v1"] * 60), True),
    ("one v2 under all-v1", {Outcome("v1"): F(1)}, seen(*["v1"] * 59, "v2"), False),
    (
        "never, but seen once",
        {Outcome("v1"): F(4, 5), Outcome("v2"): F(1, 5)},
        seen(*["v1"] * 47, *["v2"] * 12, "v3"),
        False,
    ),
]


@pytest.mark.parametrize(
    ("expected", "observations", "matches"), [case[1:] for case in JUDGEMENTS], ids=[c[0] for c in JUDGEMENTS]
)
def test_judge(expected, observations, matches):
    assert judge([("probe", expected, observations)]).matches is matches


def test_judge_rows_and_bonferroni():
    verdict = judge(
        [
            ("a", {Outcome("v1"): F(1, 2), Outcome("v3"): F(1, 2)}, seen("v1", "v3")),
            ("b", {Outcome("v1"): F(1, 3), Outcome("v2"): F(1, 3), Outcome("v3"): F(1, 3)}, seen("v1", "v2", "v3")),
            ("c", {Outcome("v2"): F(1)}, seen("v2", "v1")),
        ]
    )
    assert (verdict.tests, verdict.per_test_significance) == (5, pytest.approx(0.01 / 5))
    assert [(r.probe, r.outcome.label, r.observed, r.total, r.p_value is None, r.ok) for r in verdict.rows] == [
        ("a", "v1", 1, 2, False, True),
        ("a", "v3", 1, 2, False, True),
        ("b", "v1", 1, 3, False, True),
        ("b", "v2", 1, 3, False, True),
        ("b", "v3", 1, 3, False, True),
        ("c", "v1", 1, 2, True, False),
        ("c", "v2", 1, 2, True, False),
    ]


FLOORS = {Outcome("v2"): F(1, 2), Outcome("v2", 3.0): F(1, 4), Outcome("reviews unavailable", 6.0): F(1, 4)}


@pytest.mark.parametrize(
    ("observation", "outcome"),
    [
        (Observation("v2", 0.1), Outcome("v2")),
        (Observation("v2", 3.2), Outcome("v2", 3.0)),
        (Observation("v2", 2.9), Outcome("v2", 3.0)),  # within 5% of the floor
        (Observation("v2", 2.8), Outcome("v2")),
        (Observation("reviews unavailable", 6.4), Outcome("reviews unavailable", 6.0)),
        (Observation("reviews unavailable", 0.2), Outcome("reviews unavailable")),  # too fast: not the expected outcome
        (Observation("v1", 0.0), Outcome("v1")),
    ],
)
def test_responses_count_towards_the_highest_floor_they_reached(observation, outcome):
    assert assign(observation, FLOORS) == outcome


def test_a_response_faster_than_the_injected_delay_is_a_mismatch():
    verdict = judge([("jason", {Outcome("reviews unavailable", 6.0): F(1)}, seen("reviews unavailable", seconds=0.3))])
    assert [(str(r.outcome), r.expected, r.observed, r.ok) for r in verdict.rows] == [
        ("reviews unavailable", 0, 1, False),
        ("reviews unavailable, >= 6s", 1, 0, False),
    ]
