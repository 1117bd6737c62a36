"""Every class of bad input file or path is one `error:` line and exit status 2, for each tool that reads it."""

from __future__ import annotations

import shutil

import pytest

from tools import preset, render
from tools.preview.stack_config import ROOT
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
