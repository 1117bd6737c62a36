"""The delivery workflows (.github/workflows): schema-valid, zizmor-clean, and the safety facts they promise.

check-jsonschema (GitHub's workflow schema, vendored in the package) and zizmor (--offline) run as subprocesses
from this virtualenv; neither touches the network.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.preview.stack_config import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
SCRIPTS = ROOT / ".github" / "scripts"
BIN = Path(sys.executable).parent

PREVIEW, OFFLINE, UP, DESTROY = "pulumi-preview.yml", "offline-preview.yml", "pulumi-up.yml", "pulumi-destroy.yml"
CLOUD = (PREVIEW, UP, DESTROY)

# Every input pulumi/actions v7.0.0 declares (its action.yml), so a misspelt input fails here, not on GitHub.
PULUMI_ACTION_INPUTS = {
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr",
    "comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel",
    "message", "config-map", "expect-no-changes", "diff", "replace", "exclude", "exclude-dependents", "target",
    "target-dependents", "policyPacks", "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment",
    "color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress", "always-include-summary",
    "continue-on-error", "log-verbosity", "log-flow", "debug",
}  # fmt: skip
PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40})$")
VERSION_COMMENT = re.compile(r"uses:\s*(?P<ref>\S+)\s+#\s*v\d+\.\d+\.\d+\s*$")


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def all_workflows() -> dict[str, dict[str, Any]]:
    return {path.name: load(path.name) for path in sorted(WORKFLOWS.glob("*.yml"))}


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    matches = [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]
    assert len(matches) == 1, f"expected one {action} step, found {len(matches)}"
    return matches[0]


def only_job(name: str) -> dict[str, Any]:
    jobs = load(name)["jobs"]
    assert len(jobs) == 1, name
    return next(iter(jobs.values()))


def test_the_four_workflows_exist():
    assert {PREVIEW, OFFLINE, UP, DESTROY} <= set(all_workflows())


def test_workflows_are_valid_against_githubs_schema():
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yml"))
    finished = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stdout + finished.stderr


def test_dependabot_keeps_the_pins_current_and_is_schema_valid():
    dependabot = ROOT / ".github" / "dependabot.yml"
    finished = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(dependabot)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stdout + finished.stderr
    ecosystems = [update["package-ecosystem"] for update in yaml.safe_load(dependabot.read_text())["updates"]]
    assert "github-actions" in ecosystems


def test_zizmor_finds_nothing_of_medium_or_high_severity():
    """Workflows and Dependabot's configuration, audited offline; `# zizmor: ignore` comments are not honoured."""
    finished = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-ignores", "--format", "json", str(ROOT / ".github")],
        capture_output=True, text=True, check=False, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert finished.returncode != 1, finished.stderr  # 1: zizmor itself failed; >= 10: it found something
    findings = json.loads(finished.stdout)
    serious = [
        f"{finding['ident']} ({finding['determinations']['severity']}): {finding['locations'][0]['concrete']['feature']}"
        for finding in findings
        if finding["determinations"]["severity"] in ("Medium", "High")
    ]
    assert serious == []


def test_no_workflow_runs_on_pull_request_target_or_workflow_run():
    for name, workflow in all_workflows().items():
        triggers = workflow["on"] if isinstance(workflow["on"], (dict, list)) else [workflow["on"]]
        assert "pull_request_target" not in triggers, name
        assert "workflow_run" not in triggers, name


def test_every_action_is_pinned_by_full_commit_sha_with_its_version_in_a_comment():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        lines = [line for line in path.read_text().splitlines() if re.match(r"\s*(-\s*)?uses:", line)]
        assert lines, path.name
        for line in lines:
            commented = VERSION_COMMENT.search(line)
            assert commented, f"{path.name}: no `# vX.Y.Z` after {line.strip()}"
            assert PINNED.match(commented["ref"]), f"{path.name}: not pinned by commit SHA: {commented['ref']}"


def test_one_version_of_each_action_everywhere():
    pins: dict[str, set[str]] = {}
    for workflow in all_workflows().values():
        for step in steps(workflow):
            if "uses" in step:
                action, sha = step["uses"].split("@")
                pins.setdefault(action, set()).add(sha)
    assert {action: len(shas) for action, shas in pins.items()} == dict.fromkeys(pins, 1)


def test_checkouts_do_not_persist_credentials():
    for name, workflow in all_workflows().items():
        for step in steps(workflow):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name


def test_no_expression_is_interpolated_into_a_shell_script():
    """Untrusted values (titles, refs, inputs) reach scripts only through env:, never as `${{ }}` in run:."""
    for name, workflow in all_workflows().items():
        for step in steps(workflow):
            assert "${{" not in step.get("run", ""), f"{name}: {step.get('name')}"


def test_permissions_are_empty_by_default_and_least_privilege_per_job():
    expected = {
        PREVIEW: {"contents": "read", "id-token": "write", "pull-requests": "write"},
        OFFLINE: {"contents": "read"},
        UP: {"contents": "read", "id-token": "write"},
        DESTROY: {"contents": "read", "id-token": "write"},
    }
    for name, workflow in all_workflows().items():
        assert workflow["permissions"] == {}, name
        for job in workflow["jobs"].values():
            assert "permissions" in job, name
    for name, permissions in expected.items():
        assert only_job(name)["permissions"] == permissions, name


def test_offline_preview_uses_no_secrets_and_no_cloud_identity():
    text = (WORKFLOWS / OFFLINE).read_text()
    assert "secrets." not in text
    assert "id-token" not in text
    assert "google-github-actions/" not in text and "pulumi/actions" not in text
    assert set(load(OFFLINE)["on"]) == {"pull_request"}


def test_offline_preview_runs_the_tests_renders_every_preset_and_publishes_the_result():
    job = only_job(OFFLINE)
    scripts = "\n".join(step.get("run", "") for step in job["steps"])
    assert "make test" in scripts and "make lint" in scripts
    assert "python -m tools.pr_preview" in scripts and "--base" in scripts
    assert '>> "$GITHUB_STEP_SUMMARY"' in scripts
    upload = step_using(job, "actions/upload-artifact")
    assert upload["with"]["path"] == "build/pr-preview/"
    checkout = job["steps"][0]
    assert checkout["with"]["fetch-depth"] == 2  # the merge commit and its first parent, the base
    assert "HEAD^1" in scripts


def test_cloud_previews_skip_pull_requests_from_forks():
    job = only_job(PREVIEW)
    assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository"


@pytest.mark.parametrize("name", CLOUD)
def test_cloud_jobs_authenticate_with_workload_identity_federation_and_the_gke_auth_plugin(name):
    job = only_job(name)
    auth = step_using(job, "google-github-actions/auth")
    assert auth["with"] == {
        "workload_identity_provider": "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}",
        "service_account": "${{ vars.GCP_SERVICE_ACCOUNT }}",
        "project_id": "${{ vars.GCP_PROJECT_ID }}",
    }
    gcloud = step_using(job, "google-github-actions/setup-gcloud")
    assert gcloud["with"]["install_components"] == "gke-gcloud-auth-plugin"
    order = [step.get("uses", "").split("@")[0] for step in job["steps"]]
    assert order.index("google-github-actions/auth") < order.index("google-github-actions/setup-gcloud")
    assert order.index("google-github-actions/setup-gcloud") < order.index("pulumi/actions")


@pytest.mark.parametrize(("name", "command"), [(PREVIEW, "preview"), (UP, "up"), (DESTROY, "destroy")])
def test_pulumi_runs_on_the_dev_stack_with_the_chosen_backend(name, command):
    job = only_job(name)
    pulumi = step_using(job, "pulumi/actions")
    assert set(pulumi["with"]) <= PULUMI_ACTION_INPUTS
    assert pulumi["with"]["command"] == command
    assert job["env"]["PULUMI_STACK"] == "${{ vars.PULUMI_STACK || 'dev' }}"
    assert pulumi["with"]["stack-name"] == "${{ env.PULUMI_STACK }}"
    assert pulumi["with"]["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert pulumi["with"]["secrets-provider"] == "${{ vars.PULUMI_SECRETS_PROVIDER }}"
    assert yaml.safe_load(pulumi["with"]["config-map"]) == {
        "gcp:project": {"value": "${{ vars.GCP_PROJECT_ID }}", "secret": False}
    }
    assert pulumi["env"] == {
        "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
    }
    program_venv = [step for step in job["steps"] if step.get("run") == "make venv/.installed"]
    assert len(program_venv) == 1


def test_preview_comments_on_the_pr_and_runs_the_policy_pack():
    pulumi = step_using(only_job(PREVIEW), "pulumi/actions")
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["github-token"] == "${{ github.token }}"
    assert pulumi["with"]["policyPacks"] == "policy"


def test_up_runs_the_policy_pack_and_only_from_main():
    workflow = load(UP)
    assert workflow["on"]["push"]["branches"] == ["main"]
    job = only_job(UP)
    assert job["if"] == "github.ref == 'refs/heads/main'"
    assert step_using(job, "pulumi/actions")["with"]["policyPacks"] == "policy"


@pytest.mark.parametrize("name", (PREVIEW, UP))
def test_policy_pack_dependencies_are_installed_before_pulumi_runs(name):
    job = only_job(name)
    runs = [step.get("run", "") for step in job["steps"]]
    install = runs.index(".github/scripts/install-policy-pack policy")
    assert install < [step.get("uses", "").split("@")[0] for step in job["steps"]].index("pulumi/actions")


def test_up_and_destroy_share_one_non_cancelling_concurrency_group_per_stack():
    groups = [load(name)["concurrency"] for name in (UP, DESTROY)]
    assert (
        groups[0]
        == groups[1]
        == {"group": "pulumi-stack-${{ vars.PULUMI_STACK || 'dev' }}", "cancel-in-progress": False}
    )


def test_cloud_preview_is_never_cancelled_mid_run_either():
    assert load(PREVIEW)["concurrency"]["cancel-in-progress"] is False


def test_destroy_runs_only_on_manual_dispatch_with_a_required_confirmation():
    workflow = load(DESTROY)
    assert set(workflow["on"]) == {"workflow_dispatch"}
    confirm = workflow["on"]["workflow_dispatch"]["inputs"]["confirm"]
    assert confirm["required"] is True and confirm["type"] == "string"
    job = only_job(DESTROY)
    guard = job["steps"][0]
    assert guard["env"]["CONFIRMATION"] == "${{ inputs.confirm }}"
    assert step_using(job, "pulumi/actions")["with"]["remove"] is False


def run_guard(confirmation: str, ref: str = "refs/heads/main", stack: str = "dev") -> subprocess.CompletedProcess:
    guard = only_job(DESTROY)["steps"][0]
    environment = {"PATH": os.environ["PATH"], "CONFIRMATION": confirmation, "REF": ref, "PULUMI_STACK": stack}
    return subprocess.run(
        ["bash", "-e", "-c", guard["run"]], env=environment, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("confirmation", "ref", "stack", "allowed"),
    [
        ("dev", "refs/heads/main", "dev", True),
        ("acme/dev", "refs/heads/main", "acme/dev", True),
        ("dev", "refs/heads/feature", "dev", False),
        ("yes", "refs/heads/main", "dev", False),
        ("Dev", "refs/heads/main", "dev", False),
        ("dev ", "refs/heads/main", "dev", False),
        ("", "refs/heads/main", "dev", False),
        ('$(touch /tmp/pwned)"; true; "', "refs/heads/main", "dev", False),
    ],
)
def test_destroy_guard_lets_through_only_the_stack_name_on_main(confirmation, ref, stack, allowed):
    finished = run_guard(confirmation, ref, stack)
    assert (finished.returncode == 0) is allowed, finished.stdout
    if not allowed:
        assert "::error title=Not destroyed::" in finished.stdout


def settings_check(**environment: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPTS / "check-delivery-settings")],
        env={"PATH": os.environ["PATH"], **environment}, capture_output=True, text=True, check=False,
    )  # fmt: skip


GCP = {"GCP_PROJECT_ID": "p", "GCP_WORKLOAD_IDENTITY_PROVIDER": "projects/1/x", "GCP_SERVICE_ACCOUNT": "d@p.iam"}


@pytest.mark.parametrize(
    ("environment", "problems"),
    [
        ({**GCP, "PULUMI_BACKEND_URL": "gs://state", "HAS_PULUMI_ACCESS_TOKEN": "false"}, []),
        ({**GCP, "PULUMI_BACKEND_URL": "", "HAS_PULUMI_ACCESS_TOKEN": "true"}, []),
        ({**GCP, "PULUMI_BACKEND_URL": "", "HAS_PULUMI_ACCESS_TOKEN": "false"}, ["PULUMI_ACCESS_TOKEN"]),
        ({**GCP, "PULUMI_BACKEND_URL": "s3://state"}, ["PULUMI_BACKEND_URL must be"]),
        (
            {"PULUMI_BACKEND_URL": "gs://state"},
            ["GCP_PROJECT_ID", "GCP_WORKLOAD_IDENTITY_PROVIDER", "GCP_SERVICE_ACCOUNT"],
        ),
    ],
)
def test_delivery_settings_check_names_each_missing_setting(environment, problems):
    finished = settings_check(**environment)
    errors = [line for line in finished.stdout.splitlines() if line.startswith("::error")]
    assert (finished.returncode == 0) is (not problems)
    assert len(errors) == len(problems)
    for error, problem in zip(errors, problems, strict=True):
        assert problem in error


def test_workflows_read_exactly_the_settings_the_docs_document():
    section = (ROOT / "docs" / "delivery.md").read_text()
    used = set()
    for path in WORKFLOWS.glob("*.yml"):
        used |= set(re.findall(r"\b(?:vars|secrets)\.([A-Z_]+)", path.read_text()))
    assert used == {
        "GCP_PROJECT_ID", "GCP_WORKLOAD_IDENTITY_PROVIDER", "GCP_SERVICE_ACCOUNT", "PULUMI_STACK",
        "PULUMI_BACKEND_URL", "PULUMI_SECRETS_PROVIDER", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE",
    }  # fmt: skip
    for name in used:
        assert f"`{name}`" in section, name
