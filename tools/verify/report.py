"""What the verifier prints: a progress bar while it sends, then expected against observed, as a table or JSON."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from tools.verify.checks import InCluster, Probe
from tools.verify.stats import SIGNIFICANCE, Row, Verdict

TEST = "exact two-sided binomial test per outcome, Bonferroni-corrected"


@contextmanager
def progress_bar(probes: Sequence[Probe], requests: int) -> Generator[Callable[[Probe], None], None, None]:
    """A bar per probe on stderr; yields the function to call after each response."""
    bar = Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True, markup=False),
    )
    tasks = {probe.name: bar.add_task(probe.name, total=requests) for probe in probes}
    with bar:
        yield lambda probe: bar.advance(tasks[probe.name])


def _p_value(row: Row) -> str:
    return "exact" if row.p_value is None else f"{row.p_value:.2g}"


def tables(verdict: Verdict) -> list[Table]:
    """One table per probe: each outcome's expected share against the observed count."""
    by_probe: dict[str, list[Row]] = {}
    for row in verdict.rows:
        by_probe.setdefault(row.probe, []).append(row)
    result = []
    for probe, rows in by_probe.items():
        table = Table(
            Column("outcome", no_wrap=True),
            Column("expected", justify="right", no_wrap=True),
            Column("observed", justify="right", no_wrap=True),
            Column("median", justify="right", no_wrap=True),
            Column("p-value", justify="right", no_wrap=True),
            Column("", no_wrap=True),
            title=f"{probe} ({rows[0].total} requests)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            collapse_padding=True,
            pad_edge=False,
        )
        for row in rows:
            table.add_row(
                str(row.outcome),
                f"{100 * float(row.expected):.0f}%",
                f"{row.observed} ({100 * row.observed / row.total:.0f}%)",
                f"{row.median_seconds:.2f}s" if row.median_seconds is not None else "-",
                _p_value(row),
                "ok" if row.ok else "MISMATCH",
            )
        result.append(table)
    return result


def print_verdict(scenario: str, url: str, verdict: Verdict) -> None:
    console = Console(markup=False, highlight=False)  # probe names carry user-set regexes: no markup
    console.print(f"scenario {scenario} at {url}\n")
    for table in tables(verdict):
        console.print(table)
    console.print("matches" if verdict.matches else "DOES NOT MATCH")
    exact = "outcomes expected at 0% or 100% must hold exactly"
    if verdict.tests:
        console.print(
            f"test: two-sided exact binomial, {SIGNIFICANCE:g} overall, {verdict.per_test_significance:.2g} per outcome"
            f" (Bonferroni);\n      {exact}"
        )
    else:
        console.print(f"test: {exact}")


def verdict_document(scenario: str, url: str, requests: int, verdict: Verdict) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "url": url,
        "requestsPerProbe": requests,
        "test": TEST,
        "significance": SIGNIFICANCE,
        "binomialTests": verdict.tests,
        "perTestSignificance": verdict.per_test_significance,
        "matches": verdict.matches,
        "rows": [
            {
                "probe": row.probe,
                "outcome": row.outcome.label,
                "minSeconds": row.outcome.floor,
                "expected": float(row.expected),
                "observed": row.observed,
                "total": row.total,
                "medianSeconds": row.median_seconds,
                "pValue": row.p_value,
                "ok": row.ok,
            }
            for row in verdict.rows
        ],
    }


def in_cluster_text(scenario: str, check: InCluster) -> str:
    lines = [f"scenario {scenario} cannot be verified with traffic from outside the cluster; check it from inside:"]
    for command, shows in check.steps:
        lines += [f"  {command}", f"    expect: {shows}"]
    return "\n".join(lines)


def in_cluster_document(scenario: str, check: InCluster) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "verifiable": False,
        "steps": [{"command": command, "expect": shows} for command, shows in check.steps],
    }
