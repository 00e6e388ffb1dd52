"""`fsync-bot demo`: fsync in the terminal, driving the same handlers Slack drives."""

from bot.console.loop import run_demo

__all__ = ["run_demo"]
