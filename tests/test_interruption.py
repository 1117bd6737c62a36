"""The program under the language host ends without a traceback when the engine interrupts it (components/interruption.py)."""

from __future__ import annotations

import signal
import subprocess
import sys

from components.interruption import EXIT_STATUS, stop
from tools.preview.rendering import render
from tools.preview.stack_config import ROOT

# A program that is interrupted while it waits, as the language host interrupts one the engine cancels.
WAITING = """
import os, signal, time
from components.interruption import end_quietly_when_interrupted
end_quietly_when_interrupted()
os.kill(os.getpid(), signal.SIGINT)
time.sleep(5)
"""


def test_an_interrupted_program_exits_with_no_traceback():
    finished = subprocess.run([sys.executable, "-c", WAITING], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert (finished.returncode, finished.stderr) == (EXIT_STATUS, "")


def test_without_it_python_prints_keyboard_interrupts_traceback():
    unprotected = WAITING.replace("end_quietly_when_interrupted()", "")
    finished = subprocess.run([sys.executable, "-c", unprotected], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert "Traceback" in finished.stderr and finished.stderr.rstrip().endswith("KeyboardInterrupt")


def test_the_offline_preview_leaves_the_callers_interrupt_handler_alone():
    before = signal.getsignal(signal.SIGINT)
    render("dev", None, ("scenario=fault-abort",))
    assert signal.getsignal(signal.SIGINT) is before and before is not stop
