"""Nothing secret in plain text: not in plan.json, manifests.yaml, the stack outputs or what render prints."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tools import render
from tools.preview.offline import MOCK_ACCESS_TOKEN, MOCK_CLUSTER_CA, SECRET

# What the mocks synthesise that only a secret may carry: the cluster CA (inside the kubeconfig) and the
# access token of the provider's client config (which the program reads the project from).
SYNTHESISED = (MOCK_CLUSTER_CA, MOCK_ACCESS_TOKEN, "certificate-authority-data", "gke-gcloud-auth-plugin")
# Property names that hold credentials wherever they appear (Helm values included).
CREDENTIAL = re.compile(r"(password|passwd|token|signing_?key|private_?key|client_?key|api_?key)$", re.I)
# Kiali's way of naming a credential kept in a Kubernetes Secret instead of stating it.
SECRET_REFERENCE = re.compile(r"^secret:[a-z0-9.-]+:[A-Za-z0-9._-]+$")
STACKS = [(), ("mtlsMode=STRICT", "authorization=true"), ("gcp:project=my-project",), ("deletionProtection=true",)]


def credentials(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of every string property whose name says it is a credential."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            if CREDENTIAL.search(key) and isinstance(item, str):
                yield where, item
            yield from credentials(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from credentials(item, f"{path}[{index}]")


@pytest.mark.parametrize("overrides", STACKS, ids=[" ".join(s) or "default" for s in STACKS])
def test_no_synthesised_secret_in_the_files_or_the_output(overrides, tmp_path, capsys):
    arguments = [item for override in overrides for item in ("--set", override)]
    assert render.main([*arguments, "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr()
    texts = {
        "plan.json": (tmp_path / "plan.json").read_text(),
        "manifests.yaml": (tmp_path / "manifests.yaml").read_text(),
        "stdout": printed.out,
        "stderr": printed.err,
    }
    leaks = {(name, secret) for name, text in texts.items() for secret in SYNTHESISED if secret in text}
    assert leaks == set()
    plan = json.loads(texts["plan.json"])
    assert plan["outputs"]["kubeconfig"] == SECRET
    assert [r["inputs"]["kubeconfig"] for r in plan["resources"] if r["type"] == "pulumi:providers:kubernetes"] == [
        SECRET
    ]
    exposed = [
        (resource["name"], where)
        for resource in plan["resources"]
        for where, value in credentials(resource["inputs"])
        if value not in ("", SECRET) and not SECRET_REFERENCE.match(value)
    ]
    assert exposed == []


GRAFANA_PASSWORD = ".values.env.GF_SECURITY_ADMIN_PASSWORD"


@pytest.mark.parametrize(
    ("inputs", "found"),
    [
        ({"values": {"env": {"GF_SECURITY_ADMIN_PASSWORD": "admin"}}}, [(GRAFANA_PASSWORD, "admin")]),
        ({"values": {"env": {"GF_SECURITY_ADMIN_PASSWORD": SECRET}}}, [(GRAFANA_PASSWORD, SECRET)]),
        ({"values": {"login_token": {"signing_key": "CHANGEME"}}}, [(".values.login_token.signing_key", "CHANGEME")]),
        ({"spec": {"automountServiceAccountToken": False, "volumes": [{"name": "istio-token"}]}}, []),
    ],
)
def test_credential_scan_finds_named_credentials(inputs, found):
    """The scan itself: it names credential-like properties (masked ones are then allowed by the test above)."""
    assert list(credentials(inputs)) == found
