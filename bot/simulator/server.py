"""`fsync-bot simulator`: bind, announce the URL, serve until SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
import socket
from types import FrameType

import uvicorn

from bot.simulator.app import build_app
from bot.simulator.context import Simulator
from bot.simulator.engine import SimOptions
from bot.simulator.scheduler import Scheduler


class _AnnouncingServer(uvicorn.Server):
    """Prints the URL only once the socket really accepts requests, so callers may wait on it."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self._url = url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            print(f"fsync simulator listening on {self._url}", flush=True)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be explicit: asyncio only turns Nagle off (TCP_NODELAY) on sockets that say
    # IPPROTO_TCP, and with Nagle on every keep-alive answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def serve(
    *,
    host: str,
    port: int,
    api_key: str,
    workspaces: int,
    seed: int,
    sync_seconds: float,
    failure_rate: float,
    plan_rate: float = 0.0,
    approval_timeout: float = 1800.0,
) -> None:
    """Serve the simulated Sync API until SIGTERM or Ctrl-C; port 0 picks a free port."""
    options = SimOptions(
        api_key=api_key,
        workspaces=workspaces,
        seed=seed,
        sync_seconds=sync_seconds,
        failure_rate=failure_rate,
        plan_rate=plan_rate,
        approval_timeout=approval_timeout,
    )
    sim = Simulator.create(options)
    try:
        sock = _bind(host, port)
    except OSError as error:
        raise SystemExit(f"fsync-bot simulator: cannot listen on {host}:{port}: {error}") from None
    shown_host = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(
        build_app(sim),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = _AnnouncingServer(config, f"http://{shown_host}:{sock.getsockname()[1]}")
    scheduler = Scheduler(sim.engine)

    def stop(signum: int, frame: FrameType | None) -> None:
        # uvicorn re-raises the signal it handled once it has shut down; answering it here
        # (instead of the default handler) is what makes SIGTERM and Ctrl-C exit with 0.
        server.should_exit = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    scheduler.start()
    try:
        server.run(sockets=[sock])
    finally:
        scheduler.stop()
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
