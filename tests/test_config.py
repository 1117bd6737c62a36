"""Configuration: Pulumi.yaml is the one source of defaults, and every bad value is refused up front."""

from __future__ import annotations

import pytest
import yaml

from model.config import ConfigError, ConfigParser, MappingConfig
from model.parameters import load_parameters
from model.project import load_project
from model.settings import load_settings
from scenarios.catalog import CATALOG
from tools import render
from tools.preview.stack_config import ROOT, as_runtime_strings, assemble

INVALID = [
    ("clusterName=Istio_Demo", "clusterName: 'Istio_Demo' is not valid; allowed: 1-34 lowercase letters"),
    ("clusterName=9lives", "clusterName: '9lives' is not valid"),
    ("clusterName=ends-with-", "clusterName: 'ends-with-' is not valid"),
    (f"clusterName={'a' * 35}", f"clusterName: '{'a' * 35}' is not valid; allowed: 1-34 lowercase letters"),
    ("nodeCount=0", "nodeCount: 0 is out of range; allowed: an integer from 1 to 1000"),
    ("nodeCount=1001", "nodeCount: 1001 is out of range; allowed: an integer from 1 to 1000"),
    ("nodeCount=four", "nodeCount: 'four' is not an integer; allowed: an integer from 1 to 1000"),
    ("helmTimeout=29", "helmTimeout: 29 is out of range; allowed: an integer from 30 to 3600"),
    ("helmTimeout=10m", "helmTimeout: '10m' is not an integer; allowed: an integer from 30 to 3600"),
    ("nodeCount=2.5", "nodeCount: '2.5' is not an integer"),
    ("machineType=N1 standard", "machineType: 'N1 standard' is not valid; allowed: a Compute Engine machine type"),
    ("spotNodes=yes please", "spotNodes: 'yes please' is not a boolean; allowed: true, false"),
    ("releaseChannel=BETA", "releaseChannel: unknown value 'BETA'; allowed: RAPID, REGULAR, STABLE"),
    ("deletionProtection=1", "deletionProtection: '1' is not a boolean; allowed: true, false"),
    ("istioVersion=1.30", "istioVersion: '1.30' is not valid; allowed: a version x.y.z such as 1.30.3"),
    ("istioVersion=latest", "istioVersion: 'latest' is not valid"),
    ("egressGateway=on", "egressGateway: 'on' is not a boolean"),
    ("mtlsMode=strict", "mtlsMode: unknown value 'strict'; allowed: PERMISSIVE, STRICT"),
    ("mtlsMode=DISABLE", "mtlsMode: unknown value 'DISABLE'; allowed: PERMISSIVE, STRICT"),
    ("authorization=yes", "authorization: 'yes' is not a boolean; allowed: true, false"),
    ("prometheus=maybe", "prometheus: 'maybe' is not a boolean; allowed: true, false"),
    ("jaeger=yes", "jaeger: 'yes' is not a boolean; allowed: true, false"),
    ("prometheus=false", "kiali: needs prometheus=true; set prometheus=true or kiali=false"),
    (("prometheus=false", "kiali=true"), "kiali: needs prometheus=true; set prometheus=true or kiali=false"),
    (("prometheus=false", "kiali=false"), "grafana: needs prometheus=true; set prometheus=true or grafana=false"),
    ("scenario=chaos", "scenario: unknown value 'chaos'; allowed: round-robin, all-v1, user-routing, fault-delay"),
    (
        ("scenario=egress-gateway", "egressGateway=false"),
        "scenario: egress-gateway needs the egress gateway; set egressGateway=true or pick another scenario",
    ),
    ("reviewsWeights=v1=50,v3=40", "reviewsWeights: weights sum to 90; allowed: subset=weight pairs over v1, v2, v3"),
    ("reviewsWeights=v1=50,v4=50", "reviewsWeights: there is no subset 'v4'; allowed: subset=weight pairs"),
    ("reviewsWeights=v1=50,v1=50", "reviewsWeights: subset 'v1' appears twice"),
    ("reviewsWeights=v1:50,v3:50", "reviewsWeights: 'v1:50' is not subset=weight"),
    (
        "tcpEchoWeights=v1=80,v3=20",
        "tcpEchoWeights: there is no subset 'v3'; allowed: subset=weight pairs over v1, v2 ",
    ),
    ("faultPercentage=150", "faultPercentage: 150 is out of range; allowed: an integer from 0 to 100"),
    ("mirrorPercentage=-1", "mirrorPercentage: -1 is out of range; allowed: an integer from 0 to 100"),
    (
        "faultDelay=2 seconds",
        "faultDelay: '2 seconds' is not a duration; allowed: whole milliseconds from 1ms, such as 7s, 0.5s or 500ms",
    ),
    ("reviewsTimeout=soon", "reviewsTimeout: 'soon' is not a duration; allowed: whole milliseconds"),
    ("ratingsDelay=2", "ratingsDelay: '2' is not a duration; allowed: whole milliseconds"),
    ("faultDelay=0s", "faultDelay: '0s' is shorter than 1ms; allowed: whole milliseconds from 1ms"),
    ("faultDelay=1.5ms", "faultDelay: '1.5ms' is not a whole number of milliseconds; allowed: whole milliseconds"),
    ("ratingsDelay=0.0015s", "ratingsDelay: '0.0015s' is not a whole number of milliseconds"),
    ("reviewsTimeout=2562048h", "reviewsTimeout: '2562048h' is longer than Go's largest duration (about 292 years)"),
    ("reviewsTimeout=0.5ms", "reviewsTimeout: '0.5ms' is shorter than 1ms"),
    ("ratingsDelay=1s2", "ratingsDelay: '1s2' is not a duration"),
    ("faultAbortStatus=42", "faultAbortStatus: 42 is out of range; allowed: an integer from 200 to 599"),
    ("faultTarget=admins", "faultTarget: unknown value 'admins'; allowed: user, everyone"),
    ("user=jason smith", "user: 'jason smith' is not valid; allowed: 1-64 letters"),
    ("headerName=User-Agent", "headerName: 'User-Agent' is not valid; allowed: a lowercase header name"),
    (
        "headerRegex=.*(Firefox",
        "headerRegex: '.*(Firefox' is not a valid RE2 regular expression (missing ): .*(Firefox)",
    ),
    (
        "headerRegex=(?=Fire)fox",
        "headerRegex: '(?=Fire)fox' is not a valid RE2 regular expression (invalid perl operator: (?=)",
    ),
    ("headerRegex=", "headerRegex: '' has 0 characters; allowed: an RE2 regular expression of 1-1024 characters"),
    (f"headerRegex={'x' * 1025}", "headerRegex: 'xxxxxxxxxxxxxxxxxxxx'... has 1025 characters; allowed: an RE2"),
    ("headerSubset=v4", "headerSubset: unknown value 'v4'; allowed: v1, v2, v3"),
    ("egressHost=not a host", "egressHost: 'not a host' is not valid; allowed: a DNS host name outside the cluster"),
    (
        "egressHost=productpage.bookinfo.svc.cluster.local",
        "egressHost: 'productpage.bookinfo.svc.cluster.local' is a name inside the cluster, so its traffic never leaves",
    ),
    ("egressHost=httpbin.default.svc", "egressHost: 'httpbin.default.svc' is a name inside the cluster"),
    ("egressHost=printer.local", "egressHost: 'printer.local' is a name inside the cluster"),
    ("httpbinStatusPath=maybe", "httpbinStatusPath: 'maybe' is not a boolean"),
    ("gcp:zone=us-central1", "gcp:zone: 'us-central1' is not valid; allowed: a Compute Engine zone name"),
    ("gcp:zone=Mars", "gcp:zone: 'Mars' is not valid"),
    ("nodeCont=3", "nodeCont: not a key of this project; did you mean nodeCount? (Pulumi.yaml declares every key)"),
    ("scenario[0]=all-v1", "scenario[0]: not a key of this project; did you mean scenario?"),
    ("zzz=1", "zzz: not a key of this project; no key of that name (Pulumi.yaml declares every key)"),
    ("spotNodes=True", "spotNodes: 'True' is not a boolean; allowed: true, false"),
    ("target=kind", "target: unknown value 'kind'; allowed: gke, existing"),
    ("target=existing", "kubeContext: required with target=existing; set it to a context of your kubeconfig"),
    (
        ("target=existing", "kubeContext=kind istio"),
        "kubeContext: 'kind istio' is not valid; allowed: a kubeconfig context",
    ),
    (
        ("target=existing", "kubeContext=kind-istio", "platform=kind"),
        "platform: unknown value 'kind'; allowed: auto, none, gke, k3d, k3s, microk8s, minikube, openshift",
    ),
    ("platform=minikube", "platform: 'minikube' does not fit target=gke; allowed with target=gke: auto, gke"),
    (
        "ingressServiceType=loadbalancer",
        "ingressServiceType: unknown value 'loadbalancer'; allowed: auto, LoadBalancer, NodePort, ClusterIP",
    ),
    (
        "chartMirror=ftp://charts.example.com",
        "chartMirror: 'ftp://charts.example.com' is not valid; allowed: an http(s)://",
    ),
    ("chartMirror=charts/", "chartMirror: 'charts/' is not valid; allowed: an http(s):// Helm repository, an oci://"),
    ("chartMirror=https://", "chartMirror: 'https://' is not valid"),
    (
        "imageRegistry=https://mirror.example.com",
        "imageRegistry: 'https://mirror.example.com' is not valid; allowed: a registry host",
    ),
    ("imageRegistry=mirror.example.com/istio:1.30", "imageRegistry: 'mirror.example.com/istio:1.30' is not valid"),
    ("imageRegistry=Mirror.Example.com", "imageRegistry: 'Mirror.Example.com' is not valid"),
    ("clusters=3", "clusters: 3 is out of range; allowed: an integer from 1 to 2"),
    ("clusters=0", "clusters: 0 is out of range; allowed: an integer from 1 to 2"),
    (
        "clusters=2",
        "secondZone: required with clusters=2 on target=gke; allowed with clusters=2 on target=gke: another zone of"
        " us-central1, e.g. us-central1-b",
    ),
    (("clusters=2", "secondZone=us-central1-a"), "secondZone: us-central1-a is gcp:zone, the first cluster's zone"),
    (
        ("clusters=2", "secondZone=europe-west1-b"),
        "secondZone: europe-west1-b is not in us-central1, gcp:zone's region",
    ),
    (
        ("clusters=2", "secondZone=us-central1-b", "gcp:zone=us-central1-b"),
        "secondZone: us-central1-b is gcp:zone, the first cluster's zone; allowed with clusters=2 on target=gke:"
        " another zone of us-central1, e.g. us-central1-c",
    ),
    (("clusters=2", "secondZone=us-central1"), "secondZone: 'us-central1' is not valid; allowed with clusters=2"),
    (
        ("clusters=2", "secondZone=us-central1-b", "mesh=managed", "jaeger=false"),
        "mesh: managed does not fit clusters=2: Cloud Service Mesh joins clusters through their fleet, not through"
        " the istiod and remote secrets of the stack's multi-primary mesh; allowed with clusters=2: mesh=istio",
    ),
    (
        ("clusters=2", "secondZone=us-central1-b", "dataplane=ambient"),
        "dataplane: ambient does not fit clusters=2: Istio's ambient multicluster supports only clusters on"
        " different networks",
    ),
    (
        ("clusters=2", "secondZone=us-central1-b", "routingApi=gateway-api"),
        "routingApi: gateway-api does not fit clusters=2: the stack's two-cluster mesh is built and checked with"
        " Istio's own routing API only",
    ),
    (
        ("clusters=2", "secondZone=us-central1-b", f"clusterName={'a' * 33}"),
        f"clusterName: '{'a' * 33}' has 33 characters, too many with clusters=2, whose second cluster's node pool"
        f" `{'a' * 33}-2-nodes` must fit GKE's 40; allowed with clusters=2: at most 32 characters",
    ),
    (
        ("clusters=2", "secondZone=us-central1-b", 'secondHelmValues={"kiali": {}}'),
        "secondHelmValues: no release 'kiali' in the second cluster, which has no add-ons; allowed: an object of"
        " release name (istio-base, istiod, istio-cni, ztunnel, istio-ingressgateway, istio-egressgateway) to an"
        " object of Helm values",
    ),
    (
        ("clusters=2", "secondZone=us-central1-b", "secondHelmValues=[1]"),
        "secondHelmValues: '[1]' is not an object of objects",
    ),
    (
        ("clusters=2", "target=existing", "kubeContext=kind-one"),
        "secondKubeContext: required with clusters=2 on target=existing; allowed with clusters=2 on"
        " target=existing: a context of your kubeconfig other than kubeContext's",
    ),
    (
        ("clusters=2", "target=existing", "kubeContext=kind-one", "secondKubeContext=kind-one"),
        "secondKubeContext: 'kind-one' is kubeContext, the first cluster's context",
    ),
    (
        ("clusters=2", "target=existing", "kubeContext=kind-one", "secondKubeContext=kind two"),
        "secondKubeContext: 'kind two' is not valid",
    ),
]


@pytest.mark.parametrize(("assignment", "message"), INVALID, ids=[str(case[0])[:30] for case in INVALID])
def test_invalid_value_exits_2_with_one_line_and_no_files(assignment, message, tmp_path, capsys):
    out = tmp_path / "out"

    assignments = (assignment,) if isinstance(assignment, str) else assignment
    status = render.main([*(arg for pair in assignments for arg in ("--set", pair)), "--out", str(out)])

    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.startswith(f"error: {message}")
    assert captured.err.count("\n") == 1
    assert captured.out == ""
    assert not out.exists()


def test_every_declared_key_has_type_description_and_default():
    project = load_project()
    assert project.name == "istio-demo"
    for key, declaration in project.declarations.items():
        assert set(declaration) == {"type", "default", "description"}, key


class Recording(MappingConfig):
    """The default stack's configuration, noting every key asked for."""

    def __init__(self, namespace: str) -> None:
        super().__init__(as_runtime_strings(assemble()[1]), namespace)
        self.asked: list[str] = []

    def get(self, key):
        self.asked.append(key)
        return super().get(key)


def test_settings_read_exactly_the_declared_keys():
    """The settings ask for every declared key and no other, so Pulumi.yaml stays complete."""
    project, gcp = Recording("istio-demo"), Recording("gcp")
    load_settings(project, gcp, CATALOG)
    assert set(project.asked + gcp.asked) - {"zone", "project"} == set(load_project().declarations)


def test_the_scenario_records_name_every_parameter_the_settings_read():
    """A key the parameters read but no record lists would never be warned about as ignored."""
    project = Recording("istio-demo")
    load_parameters(ConfigParser(project))
    assert sorted(project.asked) == sorted({key for scenario in CATALOG.values() for key in scenario.parameters})


# The defaults the issues fix (the tutorial's), checked against Pulumi.yaml.
FIXED_DEFAULTS = {
    "clusterName": "istio-demo",
    "nodeCount": 4,
    "machineType": "n1-standard-1",
    "spotNodes": False,
    "releaseChannel": "REGULAR",
    "deletionProtection": False,
    "istioVersion": "1.30.3",
    "egressGateway": True,
    "scenario": "round-robin",
    "routingApi": "istio",
    "gatewayApiCrds": "",
    "mesh": "istio",
    "dataplane": "sidecar",
    "user": "jason",
    "reviewsWeights": "v1=50,v3=50",
    "tcpEchoWeights": "v1=80,v2=20",
    "faultDelay": "7s",
    "faultAbortStatus": 500,
    "faultPercentage": 100,
    "faultTarget": "user",
    "reviewsTimeout": "0.5s",
    "ratingsDelay": "2s",
    "headerName": "user-agent",
    "headerRegex": ".*Firefox.*",
    "headerSubset": "v2",
    "mirrorPercentage": 100,
    "egressHost": "edition.cnn.com",
    "httpbinStatusPath": False,
    "prometheus": True,
    "grafana": True,
    "kiali": True,
    "jaeger": True,
    "mtlsMode": "PERMISSIVE",
    "authorization": False,
    "target": "gke",
    "kubeContext": "",
    "kubeconfig": "",
    "platform": "auto",
    "ingressServiceType": "auto",
    "chartMirror": "",
    "imageRegistry": "",
    "helmValues": {},
    "helmTimeout": 600,
    "clusters": 1,
    "secondZone": "",
    "secondKubeContext": "",
    "secondHelmValues": {},
}


def test_a_path_override_leaves_the_defaults_of_the_next_configuration_alone():
    assemble(overrides=("helmValues.istiod.pilot.env.PILOT_ENABLE_X=true",))
    assert assemble()[1]["istio-demo:helmValues"] == {}


def test_defaults_come_from_pulumi_yaml_and_dev_stack():
    _, config = assemble()
    assert config == {
        **{f"istio-demo:{key}": value for key, value in FIXED_DEFAULTS.items()},
        "pulumi:disable-default-providers": ["kubernetes"],
        "gcp:zone": "us-central1-a",
    }


def test_overrides_win_over_stack_file_and_parse_as_yaml():
    _, config = assemble(overrides=["nodeCount=2", "gcp:zone=europe-west1-b", "spotNodes=true"])
    assert config["istio-demo:nodeCount"] == 2
    assert config["istio-demo:spotNodes"] is True
    assert config["gcp:zone"] == "europe-west1-b"


def test_path_override_builds_nested_values():
    _, config = assemble(overrides=["weights.v1=80", "weights.v2=20"])
    assert config["istio-demo:weights"] == {"v1": 80, "v2": 20}


def test_the_program_refuses_with_a_pulumi_run_error_so_pulumi_up_prints_no_traceback(monkeypatch):
    """model's ConfigError is plain data; the program raises it as a RunError (components.config.RefusedConfig)."""
    import pulumi

    from components import program

    error = ConfigError("nodeCount", "0 is out of range", "allowed: an integer >= 1")
    assert not isinstance(error, pulumi.RunError)

    def refuse(*_):
        raise error

    monkeypatch.setattr(program, "load_settings", refuse)
    with pytest.raises(pulumi.RunError) as raised:
        program.program()
    assert isinstance(raised.value, ConfigError)
    assert str(raised.value) == "nodeCount: 0 is out of range; allowed: an integer >= 1"


def test_missing_zone_is_named():
    strings = as_runtime_strings(assemble()[1])
    with pytest.raises(ConfigError, match=r"^gcp:zone: not set; set it with `pulumi config set gcp:zone <value>`$"):
        load_settings(MappingConfig(strings, "istio-demo"), MappingConfig({}, "gcp"), CATALOG)


def test_stack_file_sets_the_zone_and_leaves_the_project_to_the_user():
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    assert stack["config"] == {"gcp:zone": "us-central1-a"}


def test_unknown_stack_is_a_usage_error(tmp_path, capsys):
    assert render.main(["--stack", "nope", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith("error: no such file: ")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["on", "yes", "off", "no", "Yes"])
def test_a_boolean_in_a_preset_means_what_the_pulumi_cli_reads(tmp_path, capsys, value):
    """YAML 1.1 would read `on` as true; the Pulumi CLI's YAML 1.2 keeps it text, and the program refuses it."""
    preset = tmp_path / "preset.yaml"
    preset.write_text(f"config:\n  istio-demo:egressGateway: {value}\n")
    assert render.main(["--preset", str(preset), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"error: egressGateway: '{value}' is not a boolean; allowed: true, false\n"


def test_true_and_false_in_a_preset_are_booleans(tmp_path):
    preset = tmp_path / "preset.yaml"
    preset.write_text("config:\n  istio-demo:egressGateway: false\n  istio-demo:jaeger: True\n")
    assert render.main(["--preset", str(preset), "--out", str(tmp_path / "out")]) == 0
