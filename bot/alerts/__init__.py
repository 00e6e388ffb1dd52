"""Alerts: the background path of fsync.

    poller -> Firestartr client -> diff -> router -> outbox (SQLite) -> sender -> Slack

`poller.py` reads the fleet once per interval while it holds the lease (`lease.py`); `diff.py`
turns the previous snapshot and the new listing into events, each tied to an episode (one stretch
of a workspace being broken); `router.py` decides which channel gets a card, a thread reply, a
silent update or a digest, using `cards.py` for the Block Kit; the tick stores the new snapshot and
those deliveries in one transaction (`repo.py`), and `outbox.py` sends them, paced, retried and at
most once each. `commands.py` holds the /fsync subcommands that steer routes and mutes, and
`wiring.py` plugs all of it into `Deps`.
"""
