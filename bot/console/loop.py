"""The terminal loop of `fsync-bot demo`: what each typed line does (`handle`), and a session
from its first poll to "bye" (`run_demo`), with the bot's log kept out of the conversation."""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from bot.console import simctl
from bot.console.digestnow import digest_now
from bot.console.session import Demo

HELP_TITLE = "In this demo you type what you would type in Slack:"
HELP = """  /fsync help | status [ws] | sync <ws> | config [...] | conflicts [ws] | audit
  /fsync subscribe | mute | owners | notify ...  (/fsync help lists them all)
                  @admin, @operator, @viewer and @platform are people and a group to mention
  click N         press button [N] (or: click Edit config, the newest button so named);
                  confirmation dialogs and forms are asked here, and keep the keyboard until done
  home            open the App Home tab
  digest now      the digest a channel would get, and its chart saved as a PNG
  wait N          let N seconds pass (alerts appear as they happen)
  help            this list                  quit (or Ctrl-D)   leave
The simulated Sync API does what you tell it:
""" + "\n".join("  " + line for line in simctl.USAGE.splitlines())


def handle(demo: Demo, line: str) -> bool:
    """Run one line; False when the session should end."""
    words = line.strip().split()
    if not words:
        return True
    head, rest = words[0].lower(), line.strip().split(maxsplit=1)[1:]
    if head in ("quit", "exit"):
        return False
    if head == "help":
        demo.say(HELP_TITLE, style="bold")
        demo.say(HELP)
    elif head.startswith("/fsync") or head == "fsync":
        demo.command(rest[0] if rest else "")
    elif head == "click" and len(words) == 2 and words[1].isdigit():
        demo.click(int(words[1]))
    elif head == "click" and rest:
        number = demo.render.find(rest[0])
        if number is None:
            demo.say(f"No button labelled {rest[0][:40]!r} on screen.", style="yellow")
        else:
            demo.click(number)
    elif head == "click":
        demo.say("click takes a button's number or label: click 1, click Edit config.", "yellow")
    elif head == "home":
        demo.home()
    elif head == "digest" and words[1:] == ["now"]:
        digest_now(demo)
    elif head == "sim":
        demo.sim_command(words[1:])
    elif head == "wait":
        demo.wait(words[1:])
    else:
        demo.say(f"Not understood: {line.strip()[:60]!r}. Type help.", style="yellow")
    return True


def run_demo(db: str | None = None, role: str = "admin", poll_interval: float = 5.0) -> int:
    interactive = sys.stdin.isatty()
    console = Console(highlight=False)
    with tempfile.TemporaryDirectory(prefix="fsync-demo-") as tmp:
        path = Path(db) if db else Path(tmp) / "fsync.db"
        reused = path.exists()
        # The bot's log would drown the conversation: it goes to a file, errors included.
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.addHandler(logging.FileHandler(Path(tmp) / "fsync-demo.log"))
        console.print(
            f"[bold]fsync demo[/bold]: simulated Sync API, fake Slack, you are "
            f"[bold]{role}[/bold]. Type [bold]help[/bold], or try /fsync status."
        )
        if reused:
            console.print(
                f"Database {path} is from an earlier session: what it already alerted is not "
                "alerted again.",
                style="dim",
                markup=False,
            )
        demo = Demo(
            console, db=path, role=role, interactive=interactive, poll_interval=poll_interval
        )
        try:
            # The first poll's alerts, then the prompt: never the prompt above them.
            demo.settle(limit=10.0, until=demo.first_poll_delivered)
            while True:
                line = demo.read("> ")
                if line is None or not handle(demo, line):
                    break
                demo.settle()
                demo.fill_forms()
        finally:
            demo.close()
    console.print("bye")
    return 0
