"""Every class of bad input file or path is one `error:` line and exit status 2, for each tool that reads it."""

from __future__ import annotations

import pytest

from tools import preset, render

# (what the file holds, the start of the error after `error: <path>: `)
BAD_FILES = [
    (b"config:\n  istio-demo:scenario: [all-v1\n", "invalid YAML at line 3, column 1 (expected ',' or ']'"),
    (b"config:\n\tistio-demo:scenario: all-v1\n", "invalid YAML at line 2, column 1 (found character '\\t'"),
    (b"config:\n  istio-demo:scenario: caf\xe9\n", "not UTF-8 text (byte 34)"),
    (b"- config\n", "expected a mapping with a `config:` mapping"),
    (b"config: all-v1\n", "expected a mapping with a `config:` mapping"),
    (b"config:\n  1: all-v1\n", "config key 1 is not text"),
]


def run_tool(tool: str, path, tmp_path) -> int:
    if tool == "render":
        return render.main(["--preset", str(path), "--out", str(tmp_path / "out")])
    return preset.main([str(path), "--dry-run"])


@pytest.mark.parametrize("tool", ["render", "preset"])
@pytest.mark.parametrize(("content", "problem"), BAD_FILES, ids=[problem[:28] for _, problem in BAD_FILES])
def test_a_bad_file_is_one_line_naming_it(tool, content, problem, tmp_path, capsys):
    path = tmp_path / "preset.yaml"
    path.write_bytes(content)
    assert run_tool(tool, path, tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: {problem}"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("tool", ["render", "preset"])
def test_an_unreadable_file_is_one_line(tool, tmp_path, capsys, monkeypatch):
    """As root every mode is readable, so the refusal the kernel would give is simulated."""
    path = tmp_path / "preset.yaml"
    path.write_text("config: {}\n")

    read_bytes = type(path).read_bytes

    def refuse(self):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(type(path), "read_bytes", refuse)
    assert run_tool(tool, path, tmp_path) == 2
    assert capsys.readouterr().err.startswith(f"error: {path}: cannot be read (Permission denied)")


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
