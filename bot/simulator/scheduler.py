"""The background thread that makes time pass for the simulated fleet."""

from __future__ import annotations

import logging
import threading

from bot.simulator.engine import Engine

log = logging.getLogger(__name__)
TICK_SECONDS = 0.2


class Scheduler:
    def __init__(self, engine: Engine, tick_seconds: float = TICK_SECONDS) -> None:
        self._engine = engine
        self._tick = tick_seconds
        self._stop = threading.Event()
        # Daemon, so a hard exit never waits on it; stop() is the clean way out.
        self._thread = threading.Thread(target=self._loop, name="sim-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _loop(self) -> None:
        while not self._stop.wait(self._tick):
            try:
                self._engine.tick()
            except Exception:
                # One bad tick must not freeze the fleet for the rest of the session.
                log.exception("simulator scheduler tick failed")
