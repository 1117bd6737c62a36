"""Configuration: Pulumi.yaml is the one source of defaults, and every bad value is refused up front."""

from __future__ import annotations

import pytest
import yaml

from components.settings import ConfigError, load_settings
from components.scenarios.catalog import CATALOG
from tools import render
from tools.stack_config import ROOT, as_runtime_strings, assemble, load_project

INVALID = [
    ("clusterName=Istio_Demo", "clusterName: 'Istio_Demo' is not valid; allowed: 1-40 lowercase letters"),
    ("clusterName=9lives", "clusterName: '9lives' is not valid"),
    ("clusterName=ends-with-", "clusterName: 'ends-with-' is not valid"),
    (f"clusterName={'a' * 41}", f"clusterName: '{'a' * 41}' is not valid; allowed: 1-40 lowercase letters"),
    ("nodeCount=0", "nodeCount: 0 is out of range; allowed: an integer >= 1"),
    ("nodeCount=four", "nodeCount: 'four' is not an integer; allowed: an integer >= 1"),
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
    ("scenario=chaos", "scenario: unknown value 'chaos'; allowed: round-robin"),
    ("gcp:zone=us-central1", "gcp:zone: 'us-central1' is not valid; allowed: a Compute Engine zone name"),
    ("gcp:zone=Mars", "gcp:zone: 'Mars' is not valid"),
]


@pytest.mark.parametrize(("assignment", "message"), INVALID, ids=[case[0][:30] for case in INVALID])
def test_invalid_value_exits_2_with_one_line_and_no_files(assignment, message, tmp_path, capsys):
    out = tmp_path / "out"

    status = render.main(["--set", assignment, "--out", str(out)])

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


def test_settings_read_exactly_the_declared_keys():
    """The settings ask for every declared key and no other, so Pulumi.yaml stays complete."""
    asked: list[str] = []

    class Recording:
        def __init__(self, values):
            self.values = values

        def get(self, key):
            asked.append(key)
            return self.values.get(key)

    _, config = assemble()
    strings = as_runtime_strings(config)
    project = {k.split(":", 1)[1]: v for k, v in strings.items() if k.startswith("istio-demo:")}
    gcp = {k.split(":", 1)[1]: v for k, v in strings.items() if k.startswith("gcp:")}
    load_settings(Recording(project), Recording(gcp), tuple(CATALOG))
    assert set(asked) - {"zone", "project"} == set(load_project().declarations)


def test_defaults_come_from_pulumi_yaml_and_dev_stack():
    _, config = assemble()
    assert config == {
        "pulumi:disable-default-providers": ["kubernetes"],
        "istio-demo:clusterName": "istio-demo",
        "istio-demo:nodeCount": 4,
        "istio-demo:machineType": "n1-standard-1",
        "istio-demo:spotNodes": False,
        "istio-demo:releaseChannel": "REGULAR",
        "istio-demo:deletionProtection": False,
        "istio-demo:istioVersion": "1.30.3",
        "istio-demo:egressGateway": True,
        "istio-demo:mtlsMode": "PERMISSIVE",
        "istio-demo:authorization": False,
        "istio-demo:scenario": "round-robin",
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


def test_config_error_is_a_pulumi_run_error_so_pulumi_up_prints_no_traceback():
    import pulumi

    error = ConfigError("nodeCount", "0 is out of range", "allowed: an integer >= 1")
    assert isinstance(error, pulumi.RunError)
    assert str(error) == "nodeCount: 0 is out of range; allowed: an integer >= 1"


def test_missing_zone_is_named():
    class Empty:
        def get(self, key):
            return None

    _, config = assemble()
    project = {k.split(":", 1)[1]: v for k, v in as_runtime_strings(config).items() if k.startswith("istio-demo:")}

    class Project:
        def get(self, key):
            return project.get(key)

    with pytest.raises(ConfigError, match=r"^gcp:zone: not set; set it with `pulumi config set gcp:zone <value>`$"):
        load_settings(Project(), Empty(), tuple(CATALOG))


def test_stack_file_sets_the_zone_and_leaves_the_project_to_the_user():
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    assert stack["config"] == {"gcp:zone": "us-central1-a"}


def test_unknown_stack_is_a_usage_error(tmp_path, capsys):
    assert render.main(["--stack", "nope", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith("error: no such file: ")
    assert not (tmp_path / "out").exists()
