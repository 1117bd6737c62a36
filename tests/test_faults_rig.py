"""The fault run's own judgement (e2e/faults.py): what counts as one clear error, and how it names the stack's objects."""

from __future__ import annotations

import subprocess

import pytest

from e2e.faults import Attempt, clear_error, import_flags, live_id, resource_kind, urn_name

LOCKED = "error: the stack is currently locked by 1 lock(s). Either wait ... delete the lock file with `pulumi cancel`."


@pytest.mark.parametrize(
    ("status", "output", "problems"),
    [
        (255, f"Updating (kind):\n{LOCKED}\n", []),
        (
            0,
            "Resources:\n    47 unchanged\n",
            ["`pulumi up` succeeded", "`pulumi up` does not say 'pulumi cancel'; its errors: []"],
        ),
        (
            1,
            f"{LOCKED}\n    Traceback (most recent call last):\n    KeyboardInterrupt\n",
            ["`pulumi up` printed a Python traceback"],
        ),
        (
            1,
            "error: update failed\n",
            ["`pulumi up` does not say 'pulumi cancel'; its errors: ['error: update failed']"],
        ),
    ],
)
def test_a_clear_error_is_the_tools_own_line_and_no_traceback(status, output, problems):
    assert clear_error(Attempt("pulumi up", status, output), "pulumi cancel") == problems


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("kubernetes:apps/v1:Deployment", "deployment.apps"),
        ("kubernetes:core/v1:Namespace", "namespace"),
        ("kubernetes:networking.istio.io/v1:VirtualService", "virtualservice.networking.istio.io"),
    ],
)
def test_a_resource_type_is_named_as_kubectl_names_its_kind(token, kind):
    assert resource_kind(token) == kind


def test_a_pending_creates_id_is_the_providers():
    release = {"type": "kubernetes:helm.sh/v3:Release", "inputs": {"name": "istio-base", "namespace": "istio-system"}}
    namespace = {"type": "kubernetes:core/v1:Namespace", "inputs": {"metadata": {"name": "circuit-breaking"}}}
    service = {"type": "kubernetes:core/v1:Service", "inputs": {"metadata": {"name": "httpbin", "namespace": "cb"}}}
    assert [live_id(r) for r in (release, namespace, service)] == [
        "istio-system/istio-base",
        "circuit-breaking",
        "cb/httpbin",
    ]


def test_urns_of_two_stacks_name_the_same_resource_alike():
    kind = "urn:pulumi:kind::istio-demo::istio-demo:bookinfo:Bookinfo$kubernetes:core/v1:Namespace::bookinfo"
    dev = kind.replace("urn:pulumi:kind::", "urn:pulumi:dev::")
    assert urn_name(kind) == urn_name(dev) == "istio-demo:bookinfo:Bookinfo$kubernetes:core/v1:Namespace::bookinfo"


def test_pending_creates_reach_the_cli_as_given_through_the_shell():
    # a regression: a child's URN lost `$kubernetes` to bash's expansion, so nothing was imported
    items = ["urn:pulumi:kind::istio-demo::istio-demo:samples:SampleWorkloads$kubernetes:core/v1:Service::s", "ns/s"]
    argv = subprocess.run(
        ["bash", "-c", f"printf '%s\\n'{import_flags(items)}"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert argv == ["--import-pending-creates", items[0], "--import-pending-creates", items[1]]
