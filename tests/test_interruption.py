"""The program under the language host ends without a traceback when the engine interrupts it (components/interruption.py)."""

from __future__ import annotations

import functools
import signal
import subprocess
import sys

import pytest

from components.interruption import EXIT_STATUS, stop
from tools.preview.rendering import render
from tools.preview.stack_config import ROOT

# A program that is interrupted while it waits, as the language host interrupts one the engine cancels. It starts
# with Python's own SIGINT handler, as the language host starts it: a shell starts a background job (the suite, say)
# with SIGINT ignored, and Python then keeps it ignored in every interpreter the job starts.
WAITING = """
import os, signal, time
signal.signal(signal.SIGINT, signal.default_int_handler)
from components.interruption import end_quietly_when_interrupted
end_quietly_when_interrupted()
os.kill(os.getpid(), signal.SIGINT)
time.sleep(5)
"""
INHERITED = [signal.SIG_DFL, signal.SIG_IGN]  # what the suite may have been started with


def interpreted(script: str, inherited: signal.Handlers) -> subprocess.CompletedProcess[str]:
    """`script` run by a fresh interpreter started with SIGINT `inherited`."""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=functools.partial(signal.signal, signal.SIGINT, inherited),
    )


@pytest.mark.parametrize("inherited", INHERITED)
def test_an_interrupted_program_exits_with_no_traceback(inherited):
    finished = interpreted(WAITING, inherited)
    assert (finished.returncode, finished.stderr) == (EXIT_STATUS, "")


@pytest.mark.parametrize("inherited", INHERITED)
def test_without_it_python_prints_keyboard_interrupts_traceback(inherited):
    finished = interpreted(WAITING.replace("end_quietly_when_interrupted()", ""), inherited)
    assert "Traceback" in finished.stderr and finished.stderr.rstrip().endswith("KeyboardInterrupt")


def test_the_offline_preview_leaves_the_callers_interrupt_handler_alone():
    before = signal.getsignal(signal.SIGINT)
    render("dev", None, ("scenario=fault-abort",))
    assert signal.getsignal(signal.SIGINT) is before and before is not stop
