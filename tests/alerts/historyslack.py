"""FakeSlack plus what the exactly-once check reads: conversations.history and .replies with
message metadata (and the files a share carries), and an optional delay before answering a post
(to kill a bot mid-delivery)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes import FakeSlack


@dataclass
class HistorySlack(FakeSlack):
    # channel -> seconds to wait after recording a chat.postMessage and before answering it
    slow: dict[str, float] = field(default_factory=dict)

    def _answer(self, method: str, args: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if method in ("conversations.history", "conversations.replies"):
            return 200, {"ok": True, "messages": self._conversation(method, args)}, {}
        answer = super()._answer(method, args)
        delay = self.slow.get(str(args.get("channel")))
        if method == "chat.postMessage" and delay and answer[0] == 200:
            time.sleep(delay)
        return answer

    def _conversation(self, method: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        channel, parent = str(args.get("channel")), args.get("ts")
        with self.lock:
            found = [m for (ch, _), m in self.messages.items() if ch == channel]
        if method == "conversations.replies":
            found = [m for m in found if m["ts"] == parent or m.get("thread_ts") == parent]
        else:
            found = [m for m in found if not m.get("thread_ts") or m.get("reply_broadcast")]
        found.sort(key=lambda m: m["ts"], reverse=True)
        return [
            {
                "ts": m["ts"],
                "text": m.get("text"),
                "metadata": m.get("metadata"),
                "files": m.get("files"),
            }
            for m in found
        ]

    def posts(self, channel: str) -> list[dict[str, Any]]:
        """Messages posted in `channel` (not replies), oldest first."""
        return sorted(
            (m for m in self.channel_messages(channel) if not m.get("thread_ts")),
            key=lambda m: m["ts"],
        )

    def replies(self, channel: str, ts: str) -> list[dict[str, Any]]:
        return sorted(
            (m for m in self.channel_messages(channel) if m.get("thread_ts") == ts),
            key=lambda m: m["ts"],
        )

    def keys(self) -> list[str]:
        """The alert key of every message fsync posted (duplicates show as repeats)."""
        with self.lock:
            return [
                ((m.get("metadata") or {}).get("event_payload") or {}).get("key", "")
                for m in self.messages.values()
                if m.get("metadata")
            ]
