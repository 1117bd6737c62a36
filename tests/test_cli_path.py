"""The CLI side of the switch benchmark (benchmarks/cli_path.py) against a stand-in shell: the README's commands in
order, every switch both ways, and the stack destroyed whatever happens."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import cli_path

UP = "pulumi up --yes"


class RecordingShell:
    """Stands in for e2e/readme.py's Shell: records each command and each `pulumi config set`."""

    def __init__(self, project: Path, state: Path, failing: str | None = None) -> None:
        self.project, self.state, self.failing = project, state, failing
        self.commands: list[str] = []

    def run(self, command: str) -> str:
        self.commands.append(command)
        if command == self.failing:
            raise RuntimeError(f"{command} failed")
        return ""

    def config_set(self, key: str, value: str, path: bool = False) -> None:
        self.commands.append(f"config {key}={value}")


class Shells:
    """The shells cli_timings makes, each failing at `failing` if set."""

    def __init__(self) -> None:
        self.made: list[RecordingShell] = []
        self.failing: str | None = None

    def __call__(self, project: Path, state: Path) -> RecordingShell:
        self.made.append(RecordingShell(project, state, self.failing))
        return self.made[-1]


@pytest.fixture
def shells(monkeypatch) -> Shells:
    """cli_timings with stand-ins for the shell, the project copy, the clock (2.5 s a command) and the trace."""
    made = Shells()
    monkeypatch.setattr(cli_path.readme, "Shell", made)
    monkeypatch.setattr(cli_path.readme, "project_copy", lambda into: into)
    monkeypatch.setattr(cli_path.readme, "point_at_run", lambda shell, target: shell.commands.append("point at run"))
    monkeypatch.setattr(cli_path, "timed", lambda action: (action(), 2.5)[1])
    monkeypatch.setattr(cli_path, "profile", lambda shell, command, trace: {"command": command, "trace": trace.name})
    return made


def test_every_switch_both_ways_after_the_first_up_then_destroy(shells, tmp_path):
    document = cli_path.cli_timings(tmp_path, ("target=existing",), "round-robin", rounds=1)
    [shell] = shells.made
    assert shell.commands == [
        "pulumi stack init kind",
        "point at run",
        "config scenario=round-robin",
        UP,
        UP,
        f"{UP} --skip-preview",
        "config scenario=user-routing",
        UP,
        "config scenario=round-robin",
        UP,
        "config scenario=mirroring",
        UP,
        "config scenario=round-robin",
        UP,
        "pulumi destroy --yes && pulumi stack rm --yes kind",
    ]
    assert document == {
        "first_up_with_venv": 2.5,
        "noop_up": 2.5,
        "noop_up_skip_preview": 2.5,
        "switches": [
            {"from": "round-robin", "to": "user-routing", "up": 2.5},
            {"from": "user-routing", "to": "round-robin", "up": 2.5},
            {"from": "round-robin", "to": "mirroring", "up": 2.5},
            {"from": "mirroring", "to": "round-robin", "up": 2.5},
        ],
        "profile": {
            "preview": {"command": "pulumi preview", "trace": "preview.trace.json"},
            "noop_up": {"command": UP, "trace": "noop_up.trace.json"},
        },
    }


def test_a_failed_up_still_destroys_the_stack(shells, tmp_path):
    shells.failing = f"{UP} --skip-preview"
    with pytest.raises(RuntimeError, match="--skip-preview failed"):
        cli_path.cli_timings(tmp_path, (), "round-robin", rounds=1)
    assert shells.made[0].commands[-2:] == [
        f"{UP} --skip-preview",
        "pulumi destroy --yes && pulumi stack rm --yes kind",
    ]
