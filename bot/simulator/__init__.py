"""A simulated Firestartr Pro Terraform Sync API (endpoints 1-8) with a /_sim control API.

Layout, from the wire inwards: server (uvicorn, signals) -> app (routes) -> pipeline (auth,
faults, rate limit, idempotency, request log) -> api / control (endpoints) -> engine, conflicts,
config, steering (the rules) -> state (data and cached wire forms). scheduler ticks the engine.
"""

from bot.simulator.server import serve

__all__ = ["serve"]
