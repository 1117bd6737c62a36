"""Does what was seen match what was expected? Exact binomial tests, Bonferroni-corrected.

For every probe and every outcome that was expected or seen, the count of responses with that outcome is
tested against Binomial(n, p), p the outcome's expected probability, with the exact two-sided test (the
p-value sums the probabilities of every count no more likely than the one seen). The run matches when no
test rejects at a family-wise significance of 1% (each test at 0.01 / m, m the number of tests with
0 < p < 1). Outcomes expected never (p = 0) or always (p = 1) are decided exactly: one response against
them is a mismatch.

A response counts towards an outcome with a latency floor only if it took at least the floor (less 5%,
for timer granularity); a response too fast for every floor its label has counts as that label without a
floor, which was not expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import exp, lgamma, log, log1p
from statistics import median

from tools.verify.outcomes import Expected, Observation, Outcome

SIGNIFICANCE = 0.01
LATENCY_TOLERANCE = 0.05
RELATIVE_EPSILON = 1e-7  # counts whose probability ties with the observed one's, up to rounding, are "as likely"


def binomial_p_value(observed: int, total: int, p: float) -> float:
    """Exact two-sided p-value of `observed` successes in `total` trials of probability `p` (0 < p < 1)."""

    def log_pmf(k: int) -> float:
        return lgamma(total + 1) - lgamma(k + 1) - lgamma(total - k + 1) + k * log(p) + (total - k) * log1p(-p)

    threshold = log_pmf(observed) + log1p(RELATIVE_EPSILON)
    return min(1.0, sum(exp(value) for value in map(log_pmf, range(total + 1)) if value <= threshold))


def assign(observation: Observation, expected: Expected) -> Outcome:
    """The outcome a response counts towards: its label, with the highest expected floor it reached."""
    reached = [
        outcome
        for outcome in expected
        if outcome.label == observation.label and observation.seconds >= outcome.floor * (1 - LATENCY_TOLERANCE)
    ]
    return max(reached, key=lambda outcome: outcome.floor, default=Outcome(observation.label))


@dataclass(frozen=True)
class Row:
    probe: str
    outcome: Outcome
    expected: Fraction
    observed: int
    total: int
    median_seconds: float | None
    p_value: float | None  # None where the outcome was expected never or always: decided exactly
    ok: bool


@dataclass(frozen=True)
class Verdict:
    rows: tuple[Row, ...]
    tests: int  # binomial tests run: outcomes expected with 0 < p < 1
    per_test_significance: float

    @property
    def matches(self) -> bool:
        return all(row.ok for row in self.rows)


def judge(
    results: Sequence[tuple[str, Expected, Sequence[Observation]]], significance: float = SIGNIFICANCE
) -> Verdict:
    """Compares each probe's observations (probe name, expected outcomes, what was seen) with its expectation."""
    tallies = []
    for probe, expected, observations in results:
        latencies: dict[Outcome, list[float]] = {}
        for observation in observations:
            latencies.setdefault(assign(observation, expected), []).append(observation.seconds)
        for outcome in sorted(set(expected) | set(latencies)):
            tallies.append(
                (probe, outcome, expected.get(outcome, Fraction(0)), latencies.get(outcome, []), len(observations))
            )
    tests = sum(1 for _, _, p, _, _ in tallies if 0 < p < 1)
    per_test = significance / max(tests, 1)
    rows = []
    for probe, outcome, p, seen, total in tallies:
        if 0 < p < 1:
            tested = binomial_p_value(len(seen), total, float(p))
            p_value: float | None = tested
            ok = tested >= per_test
        else:
            p_value = None
            ok = len(seen) == (total if p == 1 else 0)
        rows.append(Row(probe, outcome, p, len(seen), total, median(seen) if seen else None, p_value, ok))
    return Verdict(tuple(rows), tests, per_test)
