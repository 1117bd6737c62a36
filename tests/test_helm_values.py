"""`helmValues`: values per release laid over the stack's own, as Helm lays a values file over a chart's."""

from __future__ import annotations

import pytest

from components.helm import merged
from model.config import ConfigError
from model.settings import HELM_RELEASES
from tests.conftest import rendered
from tests.plan import RELEASE, resource, resources

# Every release some configuration installs: the default stack, ambient's node agents, the egress gateway.
EVERY_RELEASE = ("dataplane=ambient", "target=existing", "kubeContext=kind-demo", "platform=none")


def test_every_release_the_stack_installs_can_be_given_values():
    assert {r["inputs"]["name"] for r in resources(rendered(EVERY_RELEASE), RELEASE)} == set(HELM_RELEASES)


@pytest.mark.parametrize(
    ("values", "overrides", "result"),
    [
        ({"a": 1}, {}, {"a": 1}),
        ({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}}, {"a": {"b": 1, "c": 3}}),
        ({"a": [1, 2]}, {"a": [3]}, {"a": [3]}),
        ({"a": {"b": 1}}, {"a": "x"}, {"a": "x"}),
        ({"a": 1}, {"b": {"c": 1}}, {"a": 1, "b": {"c": 1}}),
    ],
)
def test_overrides_merge_maps_and_replace_the_rest(values, overrides, result):
    assert merged(values, overrides) == result


def test_a_release_gets_its_values_and_no_other_release_changes(default):
    given = rendered(("helmValues.istiod.pilot.env.PILOT_ENABLE_X=true",))
    pilot = resource(given, RELEASE, "istiod")["inputs"]["values"]["pilot"]
    assert pilot == {
        **resource(default, RELEASE, "istiod")["inputs"]["values"]["pilot"],
        "env": {"PILOT_ENABLE_X": True},
    }
    others = {r["urn"]: r["inputs"] for r in resources(given, RELEASE) if r["inputs"]["name"] != "istiod"}
    assert others == {r["urn"]: r["inputs"] for r in resources(default, RELEASE) if r["inputs"]["name"] != "istiod"}


ALLOWED = (
    "allowed: an object of release name (istio-base, istiod, istio-cni, ztunnel, istio-ingressgateway,"
    " istio-egressgateway, prometheus, grafana, kiali) to an object of Helm values"
)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('{"istio": {}}', "no release 'istio' in this stack"),
        ('{"istiod": 1}', "'{\"istiod\": 1}' is not an object of objects"),
        ("[1]", "'[1]' is not an object of objects"),
    ],
)
def test_a_bad_value_is_refused(value, problem):
    with pytest.raises(ConfigError) as raised:
        rendered((f"helmValues={value}",))
    assert str(raised.value) == f"helmValues: {problem}; {ALLOWED}"


def test_helm_timeout_bounds_every_release_and_nothing_else(default):
    timed = rendered(("helmTimeout=45",))
    assert {r["inputs"]["name"]: r["inputs"]["timeout"] for r in resources(timed, RELEASE)} == {
        r["inputs"]["name"]: 45 for r in resources(default, RELEASE)
    }
    assert [r for r in timed.plan["resources"] if r["type"] != RELEASE] == [
        r for r in default.plan["resources"] if r["type"] != RELEASE
    ]
