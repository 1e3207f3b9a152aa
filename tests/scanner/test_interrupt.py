"""Ctrl-C and SIGTERM become KeyboardInterrupt; a deferred block is never cut."""

from __future__ import annotations

import os
import signal

import pytest

from scanner.interrupt import Terminated, deferred, sigterm_as_interrupt


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_raise_keyboard_interrupt_and_deferred_blocks_finish(sig: int) -> None:
    done = []
    before = signal.getsignal(signal.SIGTERM)
    with sigterm_as_interrupt():
        with pytest.raises(KeyboardInterrupt) as caught:
            os.kill(os.getpid(), sig)
            for _ in range(10**6):  # the handler runs between bytecodes
                pass
        assert isinstance(caught.value, Terminated) == (sig == signal.SIGTERM)
        with pytest.raises(KeyboardInterrupt), deferred():
            os.kill(os.getpid(), sig)
            for _ in range(10**5):
                pass
            done.append("recorded")
            done.append("written")
        assert done == ["recorded", "written"]
        with deferred():  # nothing pending any more
            pass
    assert signal.getsignal(signal.SIGTERM) is before
