"""Alerts: the background path of fsync.

    poller -> Firestartr client -> diff -> router -> outbox (SQLite) -> sender -> Slack

`poller.py` reads the fleet once per interval while it holds the lease (`lease.py`); `diff.py`
turns the previous snapshot and the new listing into events, each tied to an episode (one stretch
of a workspace being broken); `router.py` decides which channel gets a card, a thread reply, a
silent update or a digest, rendered by the `Cards` it is handed (bot/slack/alert_cards.py); the
tick stores the new snapshot and those deliveries in one transaction (`repo.py`). `sender.py`
sends them, paced, retried and at most once each, through `outbox.py`, which only keeps the outbox
table's rows (claim, mark sent, release, hold) and sends nothing itself. `service.py` is what the
/fsync subcommands that steer routes and mutes call (bot/slack/alert_commands.py); bot/wiring.py
builds all of it.
"""
