"""The switch benchmark's arithmetic: kubectl's share of a switch, an up's critical path, the rows it reports."""

from __future__ import annotations

import pytest

from benchmarks.switch_report import (
    KubectlSwitch,
    Span,
    critical_path,
    kubectl_switch,
    path_rows,
    ratio_lines,
    switch_rows,
)
from benchmarks.trace_phases import phases


def obj(kind, name, namespace=None, **spec):
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"kind": kind, "metadata": metadata, **({"spec": spec} if spec else {})}


NS = obj("Namespace", "mirroring")
APP = obj("Deployment", "httpbin-v1", "mirroring", replicas=1)
ROUTE = obj("VirtualService", "reviews", "bookinfo", hosts=["reviews"])
ROUTE_V2 = obj("VirtualService", "reviews", "bookinfo", hosts=["reviews"], http=[{"name": "v2"}])
KEPT = obj("Gateway", "bookinfo-gateway", "bookinfo")


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ([KEPT], [KEPT], KubectlSwitch(apply=[], delete=[])),
        ([KEPT], [KEPT, APP, NS], KubectlSwitch(apply=[NS, APP], delete=[])),
        ([KEPT, NS, APP], [KEPT], KubectlSwitch(apply=[], delete=[NS, APP])),
        ([KEPT, ROUTE], [KEPT, ROUTE_V2], KubectlSwitch(apply=[ROUTE_V2], delete=[])),
        ([ROUTE, NS], [APP], KubectlSwitch(apply=[APP], delete=[ROUTE, NS])),
    ],
)
def test_kubectl_writes_what_changed_namespaces_first_and_deletes_what_went(before, after, expected):
    assert kubectl_switch(before, after) == expected


def test_kubectl_waits_for_the_deployments_it_applied_by_namespace():
    other = obj("Deployment", "curl", "mirroring")
    elsewhere = obj("Deployment", "fortio", "circuit-breaking")
    assert KubectlSwitch(apply=[NS, APP, other, elsewhere, ROUTE], delete=[]).deployments() == {
        "mirroring": ["httpbin-v1", "curl"],
        "circuit-breaking": ["fortio"],
    }


SPANS = {"ns": Span(0, 1), "istiod": Span(0.5, 30), "app": Span(31, 35), "other": Span(1, 36.5), "lone": Span(2, 3)}


@pytest.mark.parametrize(
    ("spans", "dependencies", "path"),
    [
        ({}, {}, []),
        ({"lone": SPANS["lone"]}, {}, ["lone"]),
        (SPANS, {"app": ["ns", "istiod"], "istiod": ["ns"]}, ["other"]),
        (SPANS, {"other": ["app"], "app": ["ns", "istiod"], "istiod": ["ns"]}, ["ns", "istiod", "app", "other"]),
        (SPANS, {"other": ["app", "gone"], "app": ["lone"]}, ["lone", "app", "other"]),
        ({**SPANS, "urn:pulumi:e2e::istio-demo::pulumi:pulumi:Stack::istio-demo-e2e": Span(0, 40)}, {}, ["other"]),
    ],
)
def test_the_critical_path_follows_the_dependency_that_finished_last(spans, dependencies, path):
    assert critical_path(spans, dependencies) == path


def test_a_path_row_names_the_resource_and_the_wait_before_it():
    urns = [
        "urn:pulumi:e2e::istio-demo::istio-demo:mesh:Istio$kubernetes:helm.sh/v3:Release::istiod",
        "urn:x::p::t::app",
    ]
    spans = {urns[0]: Span(10.5, 40), urns[1]: Span(41.25, 42)}
    assert path_rows(urns, spans, origin=10) == [
        {"resource": "istiod", "type": "kubernetes:helm.sh/v3:Release", "start": 0.5, "end": 30.0, "gap": 0.5},
        {"resource": "app", "type": "t", "start": 31.25, "end": 32.0, "gap": 1.25},
    ]


def test_a_switch_row_has_both_medians_and_says_whether_a_namespace_comes_or_goes():
    ups = {
        ("round-robin", "mirroring"): [3.0, 2.0, 9.0],
        ("mirroring", "round-robin"): [8.0],
        ("round-robin", "all-v1"): [2.1],
    }
    kubectl = {pair: [1.0, 1.5] for pair in ups}
    assert switch_rows(ups, kubectl, {"mirroring"}) == [
        {"from": "round-robin", "to": "mirroring", "namespace": True, "up": 3.0, "kubectl": 1.25},
        {"from": "mirroring", "to": "round-robin", "namespace": True, "up": 8.0, "kubectl": 1.25},
        {"from": "round-robin", "to": "all-v1", "namespace": False, "up": 2.1, "kubectl": 1.25},
    ]


def span(name, start, end):
    return {"name": name, "startTimeUnixNano": str(int(start * 1e9)), "endTimeUnixNano": str(int(end * 1e9))}


def export(service, *spans):
    attributes = [{"key": "service.name", "value": {"stringValue": service}}]
    return {"resourceSpans": [{"resource": {"attributes": attributes}, "scopeSpans": [{"spans": list(spans)}]}]}


def test_a_traces_phases_are_the_clis_own_spans_summed_by_name():
    exports = [
        export("pulumi-cli", span("pulumi", 10, 13.5), span("pulumirpc.LanguageRuntime/About", 10.25, 10.75)),
        export("pulumi-language-python", span("pulumirpc.LanguageRuntime/About", 10.3, 10.7)),
        export("pulumi-cli", span("run-program", 11, 12), span("run-program", 12.5, 13.25), span("other", 10, 13)),
    ]
    assert phases(exports) == {"seconds": 3.5, "pulumirpc.LanguageRuntime/About": 0.5, "run-program": 1.75}


def test_a_trace_without_the_commands_span_is_refused():
    with pytest.raises(ValueError, match="the trace has no `pulumi` span"):
        phases([export("pulumi-cli", span("run-program", 1, 2))])


def test_the_printed_lines_give_each_switch_against_a_no_op_up_and_kubectl_then_the_medians():
    rows = [
        {"from": "round-robin", "to": "all-v1", "namespace": False, "up": 2.0, "kubectl": 0.1},
        {"from": "round-robin", "to": "mirroring", "namespace": True, "up": 4.0, "kubectl": 2.0},
    ]
    lines = ratio_lines({"floor_up": 1.0, "noop_up": 2.0, "switches": rows})
    assert lines == [
        "engine's floor 1.00 s, no-op up 2.00 s",
        "           round-robin -> all-v1               routes    up   2.00 s   1.0 x no-op  kubectl  0.10 s   20.0 x kubectl",
        "           round-robin -> mirroring            samples   up   4.00 s   2.0 x no-op  kubectl  2.00 s    2.0 x kubectl",
        "route switches: median up 2.00 s, 1.0 x no-op, 20.0 x kubectl",
        "sample-workload switches: median up 4.00 s, 2.0 x no-op, 2.0 x kubectl",
    ]
