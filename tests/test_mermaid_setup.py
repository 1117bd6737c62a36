"""The renderer's set-up says in one line what is missing, and finds nothing installed where nothing is."""

from __future__ import annotations

import shutil

import pytest

from tools.mermaid import __main__ as cli
from tools.mermaid import install


def bin_with(tmp_path, *programs: str):
    """A PATH directory holding only `programs` (linked to this machine's)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for program in programs:
        found = shutil.which(program)
        assert found, f"{program} is needed for this test"
        (directory / program).symlink_to(found)
    return directory


@pytest.mark.parametrize(
    ("programs", "message"),
    [
        ((), "Node.js 20 or newer is not installed (no `node` on PATH)"),
        (("node",), "Chromium is not installed: install Debian's `chromium` (apt-get install chromium)"),
    ],
)
def test_without_a_program_the_check_says_which(programs, message, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(bin_with(tmp_path, *programs)))
    with pytest.raises(install.RendererMissing) as raised:
        install.renderer()
    assert str(raised.value) == message


def test_an_empty_cache_is_not_an_installed_renderer(tmp_path, monkeypatch):
    monkeypatch.setenv("ISTIO_DEMO_MERMAID_CACHE", str(tmp_path))
    with pytest.raises(install.RendererMissing) as raised:
        install.modules(install=False)
    assert str(raised.value) == (
        f"Mermaid is not installed in {tmp_path}: run `python -m tools.mermaid` (make test does)"
    )


def test_a_cache_from_other_pins_is_not_the_installed_renderer(tmp_path, monkeypatch):
    monkeypatch.setenv("ISTIO_DEMO_MERMAID_CACHE", str(tmp_path))
    (tmp_path / "installed").write_text("0" * 64)
    with pytest.raises(install.RendererMissing):
        install.modules(install=False)
    (tmp_path / "installed").write_text(install.pinned())
    assert install.modules(install=False) == tmp_path / "node_modules"


def test_the_set_up_that_cannot_install_fails_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(bin_with(tmp_path)))
    assert cli.main([]) == 2
    assert capsys.readouterr().err == (
        "error: Mermaid renderer: Node.js 20 or newer is not installed (no `node` on PATH)\n"
    )
