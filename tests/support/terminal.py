"""`fsync-bot demo` on a pseudo-terminal, as a person at a keyboard meets it.

Tests type a line and wait for what it should show (`expect`), never for a fixed time.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


class Terminal:
    """`fsync-bot demo` on a pseudo-terminal: what a person at a keyboard sees and types."""

    def __init__(self, *args: str) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "FIRESTARTR_", "FSYNC_"))
        }
        env.update(COLUMNS="120", LINES="50", TERM="xterm")
        self.fd, child = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "demo", *args],
            stdin=child,
            stdout=child,
            stderr=child,
            env=env,
            close_fds=True,
        )
        os.close(child)
        self.raw = b""
        self.mark = 0  # what was shown before the last `type`

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw.decode(errors="replace"))

    def _read(self, seconds: float) -> bool:
        """Read what is shown within `seconds`; False once the demo has left and all is read."""
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if ready:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # the demo has left and its last words are read (EIO)
                return False
            self.raw += chunk
            return bool(chunk)
        return True

    def expect(self, shown: str, timeout: float = 20.0) -> str:
        """Wait until `shown` is on screen after the last line typed; what came since."""
        deadline = time.monotonic() + timeout
        while shown not in self.text[self.mark :]:
            left = not self._read(0.1)
            late = time.monotonic() > deadline
            assert not (left or late), f"{shown!r} never shown:\n{self.text[-3000:]}"
        return self.text[self.mark :]

    def type(self, line: str) -> None:
        self.mark = len(self.text)
        os.write(self.fd, line.encode() + b"\r")

    def close(self) -> str:
        """Type quit and read the screen to the demo's last words (it is killed after 15 s)."""
        if self.proc.poll() is None:
            os.write(self.fd, b"quit\r")
        deadline = time.monotonic() + 15
        while self._read(0.1) and time.monotonic() < deadline:
            pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        os.close(self.fd)
        return self.text
