"""The fake Slack Web API server lives in the package (the demo console uses it too)."""

from bot.devslack import Call, FakeSlack

__all__ = ["Call", "FakeSlack"]
