"""The suite's renders: one per distinct configuration in the run, whichever test process asks first."""

from __future__ import annotations

import os

import pytest

from tests import shared_renders
from tests.conftest import rendered
from tools.preview.rendering import Rendering


def test_a_preset_and_the_overrides_that_spell_it_out_share_one_render():
    assert rendered((), "stacks/mirroring.yaml") is rendered(("scenario=mirroring",))
    assert rendered(("scenario=round-robin",)) is rendered()


def test_another_process_loads_the_render_the_first_one_made(tmp_path, monkeypatch):
    made: list[dict] = []

    def stand_in(project: str, stack: str, config: dict) -> Rendering:
        made.append(config)
        return Rendering(plan={"project": project, "stack": stack}, manifests=[], warnings=["w"])

    monkeypatch.setenv(shared_renders.DIRECTORY, str(tmp_path))
    monkeypatch.setattr(shared_renders, "render_assembled", stand_in)
    monkeypatch.setattr(shared_renders, "_in_process", {})
    first = shared_renders.render_once("p", "dev", {"k": 1})
    monkeypatch.setattr(shared_renders, "_in_process", {})  # as a second process starts
    second = shared_renders.render_once("p", "dev", {"k": 1})
    assert made == [{"k": 1}] and second == first and second is not first
    shared_renders.render_once("p", "dev", {"k": 2})
    assert made == [{"k": 1}, {"k": 2}]


@pytest.mark.parametrize("worker", [False, True])
def test_only_the_controlling_process_makes_and_removes_the_directory(worker, monkeypatch):
    config = type("Config", (), {"workerinput": {}} if worker else {})()
    monkeypatch.setenv(shared_renders.DIRECTORY, "inherited")
    shared_renders.start(config)
    directory = os.environ[shared_renders.DIRECTORY]
    assert (directory == "inherited") is worker
    shared_renders.finish(config)
    assert (os.environ.get(shared_renders.DIRECTORY) == "inherited") is worker
    if not worker:
        assert not os.path.exists(directory)
