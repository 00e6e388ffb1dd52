"""Terraform output for every simulated run, as `terraform init`, `plan` and `apply` print it.

A log is made up when asked, from the run alone (its id seeds the resource names, its status says
how far it got, its message says how it ended), so nothing is stored and a run always reads the
same. Colours are the ANSI codes Terraform writes when it is not given `-no-color`: a client that
shows logs has to cope with them. Served at `GET /v1/terraform/sync/runs/{id}/log?tail=N` (the
last N lines, text/plain) and, for people, at `/ui/runs/{id}/log` (see `links`).
"""

from __future__ import annotations

import random
import re

from bot.simulator.model import RunState

MAX_TAIL = 1000
DEFAULT_TAIL = 200

_R, _B, _RED, _GREEN, _YELLOW = "\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[32m", "\x1b[33m"
_TYPES = (
    ("aws_s3_bucket", "bucket"),
    ("aws_iam_role", "role"),
    ("aws_security_group", "sg"),
    ("aws_route53_record", "dns"),
    ("aws_dynamodb_table", "table"),
    ("aws_cloudwatch_log_group", "logs"),
)
_APPLIED = re.compile(r"Resources: (\d+) added, (\d+) changed, (\d+) destroyed")
_ACTIONS = {"add": ("+", _GREEN, "created"), "change": ("~", _YELLOW, "updated in-place")}
_DOING = {
    "add": ("Creating...", "Creation complete"),
    "change": ("Modifying...", "Modifications complete"),
}


def links(base: str, run_id: str) -> dict[str, str]:
    """Where a person reads the run and its whole log: pages of the simulator itself."""
    root = f"{base.rstrip('/')}/ui/runs/{run_id}"
    return {"url": root, "log_url": f"{root}/log"}


def tail(text: str, lines: int) -> str:
    """The last `lines` lines of `text` (1 to MAX_TAIL)."""
    kept = text.splitlines()[-max(1, min(MAX_TAIL, lines)) :]
    return "\n".join(kept) + "\n" if kept else ""


def _resources(run: RunState) -> list[tuple[str, str, str]]:
    rng = random.Random(run.id)  # the same run always names the same resources
    chosen = rng.sample(_TYPES, k=4)
    return [
        (kind, f"{short}_{run.workspace}".replace("-", "_"), f"{short}-{rng.randrange(16**8):08x}")
        for kind, short in chosen
    ]


def _init() -> list[str]:
    return [
        f"{_R}{_B}Initializing the backend...{_R}",
        f"{_R}{_GREEN}",
        'Successfully configured the backend "s3"! Terraform will automatically',
        f"use this backend unless the backend configuration changes.{_R}",
        "",
        f"{_R}{_B}Initializing provider plugins...{_R}",
        '- Finding hashicorp/aws versions matching "~> 5.0"...',
        "- Installing hashicorp/aws v5.31.0...",
        "- Installed hashicorp/aws v5.31.0 (signed by HashiCorp)",
        "",
        f"{_R}{_B}{_GREEN}Terraform has been successfully initialized!{_R}{_GREEN}{_R}",
        "",
    ]


def _planned(run: RunState) -> dict[str, int]:
    found = _APPLIED.search(run.message or "")
    if found:
        return {"add": int(found[1]), "change": int(found[2])}
    if run.status == "failed":
        return {"add": 1, "change": 0}  # it failed applying something
    return {"add": 0, "change": 0}


def _plan(resources: list[tuple[str, str, str]], planned: dict[str, int]) -> list[str]:
    lines = [
        f"{_R}{_B}{kind}.{name}: Refreshing state... [id={rid}]{_R}"
        for kind, name, rid in resources
    ]
    if not any(planned.values()):
        return [
            *lines,
            "",
            f"{_R}{_B}{_GREEN}No changes.{_R}{_B} Your infrastructure matches the"
            f" configuration.{_R}",
        ]
    lines += [
        "",
        "Terraform used the selected providers to generate the following execution",
        "plan. Resource actions are indicated with the following symbols:",
        f"  {_GREEN}+{_R} create",
        f"  {_YELLOW}~{_R} update in-place",
        "",
        "Terraform will perform the following actions:",
        "",
    ]
    for action, (kind, name, _) in _changing(resources, planned):
        sign, colour, words = _ACTIONS[action]
        lines += [
            f"{_B}  # {kind}.{name}{_R} will be {words}",
            f'{_R}  {colour}{sign}{_R}{_R} resource "{kind}" "{name}" {{',
            f"      {colour}{sign}{_R}{_R} tags = {{",
            f'          {colour}{sign}{_R}{_R} "ManagedBy" = "firestartr"',
            "        }",
            "    }",
            "",
        ]
    add, change = planned["add"], planned["change"]
    return [*lines, f"{_B}Plan:{_R} {add} to add, {change} to change, 0 to destroy."]


def _changing(
    resources: list[tuple[str, str, str]], planned: dict[str, int]
) -> list[tuple[str, tuple[str, str, str]]]:
    actions = ["add"] * planned["add"] + ["change"] * planned["change"]
    return [(action, resources[i % len(resources)]) for i, action in enumerate(actions)]


def _apply(
    resources: list[tuple[str, str, str]], planned: dict[str, int], failed: bool
) -> list[str]:
    lines = [""]
    changing = _changing(resources, planned)
    for n, (action, (kind, name, rid)) in enumerate(changing, 1):
        doing, done = _DOING[action]
        lines.append(f"{_R}{_B}{kind}.{name}: {doing}{_R}{_R}")
        if failed and n == len(changing):
            break
        lines.append(f"{_R}{_B}{kind}.{name}: {done} after {1 + n % 4}s [id={rid}]{_R}")
    return lines


def _error(message: str, resource: tuple[str, str, str]) -> list[str]:
    kind, name, _ = resource
    bar = f"{_RED}│{_R} {_R}"
    first, *rest = (message.removeprefix("Error: ") or "the run failed").splitlines() or [""]
    return [
        f"{_RED}╷{_R}{_R}",
        f"{bar}{_B}{_RED}Error: {_R}{_R}{_B}{first}{_R}",
        *(f"{bar}{line}" for line in rest),
        bar,
        f"{bar}{_R}  with {kind}.{name},",
        f'{bar}  on main.tf line 12, in resource "{kind}" "{name}":',
        f'{bar}  12: resource "{kind}" "{name}" \x1b[4m{{{_R}{_R}',
        bar,
        f"{_RED}╵{_R}{_R}",
    ]


def terraform_log(run: RunState) -> str:
    """Everything the run printed so far."""
    if run.status == "queued":
        return f"Run {run.id} is queued: waiting for a free runner.\n"
    resources = _resources(run)
    planned = _planned(run)
    lines = [f"Run {run.id} ({run.trigger}, requested by {run.requested_by})", "", *_init()]
    lines += _plan(resources, planned)
    if run.status == "running" or (not any(planned.values()) and run.status == "succeeded"):
        return "\n".join(lines) + "\n"
    if run.status == "succeeded":
        lines += _apply(resources, planned, failed=False)
        add, change = planned["add"], planned["change"]
        lines += [
            f"{_R}{_B}{_GREEN}",
            f"Apply complete! Resources: {add} added, {change} changed, 0 destroyed.{_R}",
        ]
    elif run.status == "failed":
        lines += _apply(resources, planned, failed=True)
        lines += _error(run.message or "", _changing(resources, planned)[-1][1])
    else:  # canceled, awaiting a decision, or a status this simulator learnt later
        lines += ["", f"{_YELLOW}Run {run.status}: {run.message or 'no apply was made'}{_R}"]
    return "\n".join(lines) + "\n"
