"""Sending each probe's requests, a bounded number, one after another or a few at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from tools.verify.checks import Probe
from tools.verify.clients import Endpoint, sender
from tools.verify.outcomes import Observation


def observe(
    probes: Sequence[Probe],
    endpoint: Endpoint,
    requests: int,
    concurrency: int = 1,
    advance: Callable[[Probe], None] = lambda probe: None,
) -> list[list[Observation]]:
    """`requests` requests per probe, `concurrency` in flight at once; `advance` is called after each.

    Raises LoginError when a probe's client cannot log in.
    """
    results = []
    for probe in probes:
        client = sender(probe.visit, endpoint, probe.timeout)
        client.prepare()
        seen = []
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for done in as_completed([pool.submit(client.send, index) for index in range(requests)]):
                seen.append(done.result())
                advance(probe)
        results.append(seen)
    return results
