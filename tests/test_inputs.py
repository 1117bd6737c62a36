"""Every class of bad input file or path is one `error:` line and exit status 2, for each tool that reads it."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tools import gomod, preset, render
from tools.preview import configfiles
from tools.preview.stack_config import ROOT, UsageError, assemble
from tools.verify import __main__ as verify
from tools.verify import stack as verify_stack
from tools.verify.stack import StackError

TOOLS = ["render", "preset", "verify"]

# (what the file holds, the start of the error after `error: <path>: `)
BAD_FILES = [
    (b"config:\n  istio-demo:scenario: [all-v1\n", "invalid YAML at line 3, column 1 (expected ',' or ']'"),
    (b"config:\n\tistio-demo:scenario: all-v1\n", "invalid YAML at line 2, column 1 (found character '\\t'"),
    (b"config:\n  istio-demo:scenario: caf\xe9\n", "not UTF-8 text (byte 34)"),
    (b"- config\n", "expected a mapping with a `config:` mapping"),
    (b"config: all-v1\n", "expected a mapping with a `config:` mapping"),
    (b"config:\n  1: all-v1\n", "config key 1 is not text"),
]


def without_cli(monkeypatch) -> None:
    """The verifier as on a machine where the Pulumi CLI cannot answer: it reads the stack files instead."""

    def refuse(arguments, stack):
        raise StackError("the Pulumi CLI is not on PATH")

    monkeypatch.setattr(verify_stack, "pulumi", refuse)


def run_tool(tool: str, path, tmp_path, monkeypatch) -> int:
    """Runs `tool` on `path`: a preset for render and preset, the stack file Pulumi.dev.yaml for the verifier."""
    if tool == "render":
        return render.main(["--preset", str(path), "--out", str(tmp_path / "out")])
    if tool == "preset":
        return preset.main([str(path), "--dry-run"])
    shutil.copy(ROOT / "Pulumi.yaml", path.parent / "Pulumi.yaml")
    path.rename(path.parent / "Pulumi.dev.yaml")
    without_cli(monkeypatch)
    monkeypatch.setattr(verify_stack, "ROOT", path.parent)
    return verify.main(["--url", "http://127.0.0.1:9/productpage"])


def tool_file(tool: str, tmp_path):
    """Where `tool` reads the file the test writes (the verifier reads the stack file in the project root)."""
    return tmp_path / ("Pulumi.dev.yaml" if tool == "verify" else "preset.yaml")


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize(("content", "problem"), BAD_FILES, ids=[problem[:28] for _, problem in BAD_FILES])
def test_a_bad_file_is_one_line_naming_it(tool, content, problem, tmp_path, capsys, monkeypatch):
    path = tmp_path / "preset.yaml"
    path.write_bytes(content)
    assert run_tool(tool, path, tmp_path, monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tool_file(tool, tmp_path)}: {problem}"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("tool", TOOLS)
def test_an_unreadable_file_is_one_line(tool, tmp_path, capsys, monkeypatch):
    """As root every mode is readable, so the refusal the kernel would give is simulated."""
    path = tmp_path / "preset.yaml"
    path.write_text("config: {}\n")
    unreadable = tool_file(tool, tmp_path)
    read_bytes = type(path).read_bytes

    def refuse(self):
        if self == unreadable:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(type(path), "read_bytes", refuse)
    assert run_tool(tool, path, tmp_path, monkeypatch) == 2
    assert capsys.readouterr().err.startswith(f"error: {unreadable}: cannot be read (Permission denied)")


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ("Error: not logged in", "printed no JSON (Expecting value at character 0)"),
        ('["istio-demo:scenario"]', "printed JSON of an unexpected shape"),
        ('{"istio-demo:scenario": "all-v1"}', "printed JSON of an unexpected shape"),
    ],
)
def test_the_verifier_falls_back_on_the_stack_files_when_the_cli_prints_no_config(output, reason, monkeypatch, capsys):
    monkeypatch.setattr(verify_stack, "pulumi", lambda arguments, stack: output)
    config, source = verify_stack.stack_config(None)
    assert source == f"Pulumi.yaml and Pulumi.dev.yaml (`pulumi config --json` {reason})"
    assert config["istio-demo:scenario"] == "round-robin"


def test_a_huge_integer_is_refused_by_key_in_every_channel(tmp_path, capsys):
    """More digits than Python converts (4,300) reach the settings as text and are refused there, not in int()."""
    digits = "9" * 5000
    path = tmp_path / "preset.yaml"
    path.write_text(f"config:\n  istio-demo:nodeCount: {digits}\n")
    expected = (
        "error: nodeCount: 999999999999... (5000 characters) is out of range; allowed: an integer from 1 to 1000\n"
    )
    for arguments in (["--set", f"nodeCount={digits}"], ["--preset", str(path)]):
        assert render.main([*arguments, "--out", str(tmp_path / "out")]) == 2
        assert capsys.readouterr().err == expected
    assert preset.main([str(path), "--dry-run"]) == 2
    assert capsys.readouterr().err == expected


def test_leading_zeros_do_not_make_an_integer_too_large(tmp_path):
    assert (
        render.main(["--set", "scenario=mirroring", "--set", f"mirrorPercentage={'0' * 30}50", "--out", str(tmp_path)])
        == 0
    )


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        (
            "scenario={a: [1",
            "error: --set scenario: invalid YAML at line 1, column 7 (expected ',' or ']', but got"
            " '<stream end>'); allowed: text, true/false, an integer, or a YAML object or array\n",
        ),
        (
            "scenario=[1, {",
            "error: --set scenario: invalid YAML at line 1, column 6 (expected the node content,"
            " but found '<stream end>'); allowed: text, true/false, an integer, or a YAML object or array\n",
        ),
    ],
)
def test_a_set_value_that_is_not_yaml_is_one_line(assignment, message, tmp_path, capsys):
    assert render.main(["--set", assignment, "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == message


def test_out_that_is_a_file_is_refused_before_the_program_runs(tmp_path, capsys):
    out = tmp_path / "plan.json"
    out.write_text("{}")
    assert render.main(["--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"error: --out: {out} is a file; allowed: a directory (created if missing) that you may write\n"
    )


def test_out_under_a_file_is_refused(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert render.main(["--out", str(blocker / "dir")]) == 2
    assert capsys.readouterr().err.startswith(f"error: --out: {blocker} is not writable")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("config:\n  istio-demo:scenario: chaos\n", "error: scenario: unknown value 'chaos'; allowed: round-robin"),
        ("config:\n  istio-demo:reviewsWeights: v1=90\n", "error: reviewsWeights: weights sum to 90"),
        ("config:\n  istio-demo:nodeCont: 3\n", "error: nodeCont: not a key of this project; did you mean nodeCount?"),
    ],
)
def test_preset_is_validated_by_the_programs_parser_before_it_is_applied(content, message, tmp_path, capsys):
    path = tmp_path / "preset.yaml"
    path.write_text(content)
    assert preset.main([str(path), "--dry-run"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(message) and captured.out == ""


# (what the preset holds): each sets no key, so applying it would change nothing; refused by render and preset
EMPTY_PRESETS = [b"", b"# nothing\n", b"secretsprovider: passphrase\n", b"config:\n", b"config: {}\n"]


@pytest.mark.parametrize("tool", ["render", "preset"])
@pytest.mark.parametrize("content", EMPTY_PRESETS)
def test_a_preset_that_sets_nothing_is_refused(tool, content, tmp_path, capsys, monkeypatch):
    path = tmp_path / "preset.yaml"
    path.write_bytes(content)
    assert run_tool(tool, path, tmp_path, monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: sets no key (no `config:` mapping, or an empty one); allowed: "), err
    assert err.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content", [b"", b"# nothing\n", b"scenario: all-v1\n"])
def test_a_stack_file_that_is_no_stack_file_is_refused(content, tmp_path, capsys):
    """A stack file may hold no `config:` (only its secrets' salt, say), but an empty file is no stack file."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.dev.yaml").write_bytes(content)
    with pytest.raises(UsageError) as raised:
        assemble("dev", None, (), tmp_path)
    assert str(raised.value).startswith(f"{tmp_path / 'Pulumi.dev.yaml'}: is empty or not a stack file")


def test_a_stack_file_with_only_its_secrets_salt_is_a_stack_file(tmp_path):
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.dev.yaml").write_text("encryptionsalt: v1:abc\n")
    assert assemble("dev", None, (), tmp_path)[1]["istio-demo:scenario"] == "round-robin"


@pytest.mark.parametrize("out", ["", " "])
def test_an_empty_out_is_refused(out, capsys):
    assert render.main(["--out", out]) == 2
    assert (
        capsys.readouterr().err == "error: --out: empty; allowed: a directory (created if missing) that you may write\n"
    )
    assert not (ROOT / "plan.json").exists()


# Every command line of tools/ (and the end-to-end run's): `--help` prints its usage and changes nothing.
CLIS = [
    "tools.render",
    "tools.preset",
    "tools.presets",
    "tools.docs",
    "tools.upstream",
    "tools.verify",
    "tools.pr_preview",
    "tools.checkov_report",
    "tools.mermaid",
    "e2e",
    "e2e.toolchain",
    "e2e.faults",
    "e2e.multicluster",
]


@pytest.mark.parametrize("module", CLIS)
def test_help_only_prints(module):
    before = {path: path.stat().st_mtime_ns for path in (ROOT / "docs").glob("*.md")}
    finished = subprocess.run(
        [sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith(f"usage: python -m {module}")
    assert finished.stderr == ""
    assert {path: path.stat().st_mtime_ns for path in (ROOT / "docs").glob("*.md")} == before


def test_the_cli_modules_are_all_listed():
    """Each module of tools/ that runs as a command (`if __name__ == "__main__"`, or a package's __main__)."""
    found = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__main__")
        for path in [*ROOT.glob("tools/**/*.py"), *ROOT.glob("e2e/*.py")]
        if path.name == "__main__.py" or 'if __name__ == "__main__":' in path.read_text()
    }
    assert found - {"e2e.predict"} == set(CLIS)  # e2e.predict is the run's own worker, never typed by hand


def test_without_go_the_gateway_api_preview_says_what_it_needs(monkeypatch, tmp_path, capsys):
    """No Go and no shared copy of the release: one line naming Go and the offline alternatives, exit 2."""
    monkeypatch.setattr(configfiles, "shared_release_dir", lambda: tmp_path / "absent")
    monkeypatch.setenv("PATH", str(tmp_path))
    configfiles.release_dir.cache_clear()
    gomod.gateway_api_crd_dir.cache_clear()
    try:
        overrides = ["routingApi=gateway-api", "target=existing", "kubeContext=kind-demo"]
        assert render.main([*(f"--set={o}" for o in overrides), "--out", str(tmp_path / "out")]) == 2
    finally:
        configfiles.release_dir.cache_clear()
        gomod.gateway_api_crd_dir.cache_clear()
    assert capsys.readouterr().err == (
        "error: gatewayApiCrds: the offline preview reads the Gateway API v1.5.1 CRDs from the Go module"
        " sigs.k8s.io/gateway-api (sigs.k8s.io/gateway-api@v1.5.1 is fetched with Go, which is not installed (no `go`"
        " on PATH)); install Go 1.25 or newer, or set gatewayApiCrds to a directory holding the release's config/crd,"
        " or to `cluster`\n"
    )
    assert not (tmp_path / "out").exists()


def test_without_go_the_preview_on_gke_and_with_the_clusters_crds_needs_none(monkeypatch, tmp_path):
    monkeypatch.setattr(configfiles, "shared_release_dir", lambda: tmp_path / "absent")
    monkeypatch.setenv("PATH", str(tmp_path))
    configfiles.release_dir.cache_clear()
    try:
        for overrides in (
            ["routingApi=gateway-api"],
            [
                "dataplane=ambient",
                "target=existing",
                "kubeContext=kind-demo",
                "platform=none",
                "gatewayApiCrds=cluster",
            ],
        ):
            assert render.main([*(f"--set={o}" for o in overrides), "--out", str(tmp_path / "out")]) == 0
    finally:
        configfiles.release_dir.cache_clear()
