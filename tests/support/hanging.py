"""A response_url that accepts connections and never answers (until stopped)."""

from __future__ import annotations

import socket
import threading
from typing import Self

from tests.support.waiting import wait_until


class Hanging:
    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(256)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/hooks/never"
        self.held: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.held.append(conn)

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self.held)

    def wait_for(self, connections: int, timeout: float = 10.0) -> None:
        wait_until(
            lambda: self.connections >= connections, timeout, f"{connections} connections", 0.02
        )

    def stop(self) -> None:
        """Close everything: a client still waiting sees its connection reset, at once."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self._sock.close()
        with self._lock:
            for conn in self.held:
                conn.close()
