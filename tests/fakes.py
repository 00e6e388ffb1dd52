"""The fake Slack Web API server lives in the package (the demo console uses it too); the tests'
subclass also registers itself for the end-of-session secrets scan."""

from bot.devslack import Call
from bot.devslack import FakeSlack as _FakeSlack
from tests.support import secrets_scan


class FakeSlack(_FakeSlack):
    def __post_init__(self) -> None:
        super().__post_init__()
        self._history: list[Call] = []
        secrets_scan.SLACKS.append(self)

    def all_calls(self) -> list[Call]:
        with self.lock:
            return [*self._history, *self.calls]

    def reset(self) -> None:
        # Keep what was sent for the scan: a reset only hides it from the next test.
        with self.lock:
            self._history.extend(self.calls)
        super().reset()


__all__ = ["Call", "FakeSlack"]
