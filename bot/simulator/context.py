"""Everything one running simulator holds: the engine plus the guards around /v1."""

from __future__ import annotations

import hmac
import random
from dataclasses import dataclass, field

from starlette.requests import Request

from bot.simulator.engine import Engine, SimOptions
from bot.simulator.guards import Faults, IdempotencyStore, RateLimiter, RequestLog


@dataclass(slots=True)
class Simulator:
    engine: Engine
    limiter: RateLimiter = field(default_factory=RateLimiter)
    sync_limiter: RateLimiter = field(default_factory=RateLimiter)
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    log: RequestLog = field(default_factory=RequestLog)
    faults: Faults = field(default_factory=Faults)
    # Separate from the engine's RNG so injecting faults never changes which runs fail.
    fault_rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def create(cls, options: SimOptions) -> Simulator:
        sim = cls(engine=Engine(options))
        sim.fault_rng.seed(options.seed)
        return sim

    @property
    def options(self) -> SimOptions:
        return self.engine.options

    def authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.options.api_key.encode()
        )

    def reset(self) -> None:
        self.engine.reset()
        self.limiter.clear()
        self.sync_limiter.clear()
        self.idempotency.clear()
        self.log.entries.clear()
        self.faults = Faults()
        self.fault_rng.seed(self.options.seed)
