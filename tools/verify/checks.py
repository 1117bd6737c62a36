"""For each scenario, what to send from outside and what should come back; or, where traffic from outside
cannot show the scenario working, the commands that show it from inside the cluster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import re2

from model.bookinfo_app import NAMESPACE as BOOKINFO_NAMESPACE
from model.bookinfo_app import PORT as BOOKINFO_PORT
from model.bookinfo_app import USER_HEADER
from model.mesh import EGRESS_GATEWAY, ISTIO_NAMESPACE
from model.parameters import ScenarioParameters
from model.sample_apps import HTTPBIN_HOST, HTTPBIN_PORT
from model.workloads import AppSet
from scenarios.catalog import SCENARIOS
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic
from tools.preview.stack_config import UsageError
from tools.verify.clients import USER_AGENT, EchoLine, HttpbinGet, PageVisit, Visit
from tools.verify.expect import echo_prefixes, httpbin_path, product_page, tcp_echo
from tools.verify.facts import BOOKINFO, FORWARDED_HEADERS, HTTPBIN_PATHS, BookinfoFacts
from tools.verify.outcomes import Expected
from tools.verify.routing import tcp_gateway_port

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
RESPONSE_ALLOWANCE = 10.0  # seconds a response may take beyond twice its expected floor before it counts as lost


@dataclass(frozen=True)
class Probe:
    """One kind of client: what it sends and the outcomes it should see, with their probabilities."""

    name: str
    visit: Visit
    expected: Expected

    @property
    def timeout(self) -> float:
        return RESPONSE_ALLOWANCE + 2 * max(outcome.floor for outcome in self.expected)


@dataclass(frozen=True)
class InCluster:
    """A scenario traffic from outside cannot show: (command, what it should print) to run by hand."""

    steps: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Options:
    facts: BookinfoFacts = BOOKINFO
    header_value: str | None = None  # header-routing: a value of the header that matches headerRegex


Check = Callable[[ScenarioPlan, ScenarioParameters, Options], list[Probe] | InCluster]


def _page(
    plan: ScenarioPlan, name: str, facts: BookinfoFacts, headers: dict[str, str], user: str | None = None
) -> Probe:
    """A product page visit; the expectation sees the headers productpage passes on to reviews and ratings."""
    forwarded = {header: value for header, value in headers.items() if header in FORWARDED_HEADERS}
    if user is not None:
        forwarded[USER_HEADER] = user
    return Probe(name, PageVisit(user, tuple(headers.items())), product_page(plan, forwarded, facts))


def anonymous(plan: ScenarioPlan, _: ScenarioParameters, options: Options) -> list[Probe]:
    return [_page(plan, "anonymous", options.facts, {"user-agent": USER_AGENT})]


def anonymous_and_user(plan: ScenarioPlan, p: ScenarioParameters, options: Options) -> list[Probe]:
    logged_in = _page(plan, f"logged in as {p.user}", options.facts, {"user-agent": USER_AGENT}, user=p.user)
    return [*anonymous(plan, p, options), logged_in]


def with_and_without_header(plan: ScenarioPlan, p: ScenarioParameters, options: Options) -> list[Probe]:
    value = options.header_value or (FIREFOX if p.header_name == "user-agent" else None)
    if value is None or not re2.fullmatch(p.header_regex, value):
        raise UsageError(
            f"--header-value: pass a value of {p.header_name} that matches headerRegex {p.header_regex!r}"
            + (f" ({value!r} does not)" if value else "")
        )
    plain = {"user-agent": USER_AGENT}
    return [
        _page(plan, f"{p.header_name} ~ {p.header_regex}", options.facts, {**plain, p.header_name: value}),
        _page(
            plan,
            f"{p.header_name}: {USER_AGENT}" if p.header_name == "user-agent" else f"no {p.header_name}",
            options.facts,
            plain,
        ),
    ]


def tcp_connections(plan: ScenarioPlan, _: ScenarioParameters, __: Options) -> list[Probe]:
    port = tcp_gateway_port(plan)
    assert port is not None, "tcp-traffic-shifting declares a TCP Gateway server"
    prefixes = tuple((prefix, version) for version, prefix in echo_prefixes(plan).items())
    return [Probe(f"TCP port {port}", EchoLine(port, prefixes), tcp_echo(plan, port))]


def httpbin_paths(plan: ScenarioPlan, _: ScenarioParameters, __: Options) -> list[Probe]:
    return [
        Probe(f"{HTTPBIN_HOST}{path}", HttpbinGet(HTTPBIN_HOST, path), httpbin_path(plan, HTTPBIN_HOST, path))
        for path in HTTPBIN_PATHS
    ]


def _samples(plan: ScenarioPlan) -> AppSet:
    assert plan.samples is not None, "the scenario declares its sample workloads"
    return plan.samples


def _deployment(plan: ScenarioPlan, app: str, version: str = "v1") -> str:
    return next(w.name for w in _samples(plan).workloads if (w.app, w.version) == (app, version))


def circuit_breaking(plan: ScenarioPlan, _: ScenarioParameters, __: Options) -> InCluster:
    namespace = _samples(plan).namespace
    fortio = _deployment(plan, "fortio")
    return InCluster(
        (
            (
                f"kubectl -n {namespace} exec deploy/{fortio} -c fortio -- /usr/bin/fortio load -c 3 -qps 0 -n 30"
                f" -loglevel Warning http://httpbin:{HTTPBIN_PORT}/get",
                "Code 200 for some calls and Code 503 for the rest: the connection pool trips the breaker",
            ),
            (
                f"kubectl -n {namespace} exec deploy/{fortio} -c istio-proxy -- pilot-agent request GET stats"
                " | grep httpbin | grep pending",
                "upstream_rq_pending_overflow above 0",
            ),
        )
    )


def mirroring(plan: ScenarioPlan, p: ScenarioParameters, __: Options) -> InCluster:
    namespace = _samples(plan).namespace
    curl = _deployment(plan, "curl")
    return InCluster(
        (
            (
                f"kubectl -n {namespace} exec deploy/{curl} -- curl -sS http://httpbin:{HTTPBIN_PORT}/headers",
                "httpbin's answer (from v1)",
            ),
            (
                f"kubectl -n {namespace} logs deploy/{_deployment(plan, 'httpbin', 'v2')}",
                f"the same GET /headers, mirrored to v2 ({p.mirror_percentage}% of requests)",
            ),
        )
    )


def egress_gateway(plan: ScenarioPlan, p: ScenarioParameters, __: Options) -> InCluster:
    namespace = _samples(plan).namespace
    curl = _deployment(plan, "curl")
    return InCluster(
        (
            (
                f"kubectl -n {namespace} exec deploy/{curl} -- curl -sSL -o /dev/null -D - http://{p.egress_host}/",
                "response headers ending in a 2xx status",
            ),
            (
                f"kubectl -n {ISTIO_NAMESPACE} logs deploy/{EGRESS_GATEWAY} --tail 5",
                f"an access-log line for the request to {p.egress_host}",
            ),
        )
    )


def locality_failover(_: ScenarioPlan, __: ScenarioParameters, ___: Options) -> InCluster:
    """In the first cluster of clusters=2: the reviews pods' priorities, then the failover when its own are gone."""
    reviews = f"outbound|{BOOKINFO_PORT}||reviews.{BOOKINFO_NAMESPACE}.svc.cluster.local"
    return InCluster(
        (
            (
                f"kubectl -n {BOOKINFO_NAMESPACE} exec deploy/productpage-v1 -c istio-proxy -- pilot-agent request GET"
                f" clusters | grep '^{reviews}::' | grep '::priority::'",
                "priority 0 for this cluster's reviews pods (v1, v2), 1 for the second cluster's (v3)",
            ),
            (
                f"kubectl -n {BOOKINFO_NAMESPACE} scale deploy reviews-v1 reviews-v2 --replicas=0; kubectl -n"
                f" {BOOKINFO_NAMESPACE} exec deploy/ratings-v1 -c ratings -- curl -sS"
                f" productpage:{BOOKINFO_PORT}/productpage | grep -o 'reviews-v[0-9]'",
                "reviews-v3: the second cluster answers once the first has no reviews pod left",
            ),
            (
                f"kubectl -n {BOOKINFO_NAMESPACE} scale deploy reviews-v1 reviews-v2 --replicas=1",
                "the first step's priorities again once the pods are ready",
            ),
        )
    )


# The traffic each kind of scenario is shown by (its record's `shown_by`) ...
BY_TRAFFIC: dict[Traffic, Check] = {
    Traffic.PAGE: anonymous,
    Traffic.PAGE_AND_USER: anonymous_and_user,
    Traffic.HEADER: with_and_without_header,
    Traffic.TCP_ECHO: tcp_connections,
    Traffic.HTTPBIN_PATHS: httpbin_paths,
}
# ... and, for the scenarios traffic from outside cannot show (Traffic.IN_CLUSTER), the commands, by scenario.
IN_CLUSTER: dict[str, Check] = {
    "circuit-breaking": circuit_breaking,
    "mirroring": mirroring,
    "egress-gateway": egress_gateway,
    "locality-failover": locality_failover,
}


def check_for(scenario: Scenario) -> Check:
    return IN_CLUSTER[scenario.name] if scenario.shown_by == Traffic.IN_CLUSTER else BY_TRAFFIC[scenario.shown_by]


CHECKS: dict[str, Check] = {scenario.name: check_for(scenario) for scenario in SCENARIOS}
