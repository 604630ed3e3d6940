"""Which engine starts the workers: GRADER_ENGINE=fork|spawn, else the best this platform allows.

Every command starts its engine through `start_engine`, and pool processes reach their
parent's through `attach`: the choice is made here once (issue 15, item 3).
"""
from __future__ import annotations

import os
import socket
import sys
from typing import TYPE_CHECKING, Protocol

from grader.engine.forkclient import ForkServer
from grader.errors import UsageError

if TYPE_CHECKING:  # workers imports the wire's transport, hence torch: not before the server starts
    from grader.engine.workers import Channel


class Starter(Protocol):
    """What every engine is to the grader: ForkServer and SpawnStarter. spawnclient imports the
    worker side of the wire, hence torch (1-2 s): it is imported only when spawn is chosen, so
    that the fork server starts importing torch while the grader imports its own."""

    path: str  # how pool processes reach this engine (attach)

    def connect(self) -> Channel:
        """A channel for this process to start workers on."""

    def wait_ready(self) -> None:
        """Wait until workers can be started."""

    def close(self) -> None:
        """Stop the engine (what it started is gone)."""

    def __enter__(self) -> Starter: ...
    def __exit__(self, *exc: object) -> None: ...

ENGINE_ENV = "GRADER_ENGINE"


def fork_is_available(platform: str = sys.platform) -> bool:
    """The fork server needs Linux (forking after torch is unsafe on macOS) and descriptor passing."""
    return platform.startswith("linux") and hasattr(os, "fork") and hasattr(socket, "send_fds")


def engine_name(environ: os._Environ[str] | dict[str, str] = os.environ, platform: str = sys.platform) -> str:
    """`fork` or `spawn`: $GRADER_ENGINE when set, else fork where it is available."""
    chosen = environ.get(ENGINE_ENV, "").strip().lower()
    if chosen in ("fork", "spawn"):
        return chosen
    if chosen:
        raise UsageError(f"{ENGINE_ENV}={chosen!r} is not an engine: set it to fork or spawn, "
                         "or unset it for the best this machine allows")
    return "fork" if fork_is_available(platform) else "spawn"


def start_engine(prelude: str = "", warm_up: frozenset[str] | None = None) -> Starter:
    """Start the chosen engine (the fork server begins importing torch at once); `warm_up`
    is what the fork server prepares beyond torch (default: everything)."""
    if engine_name() == "spawn":  # each worker is a fresh interpreter: it warms up itself
        from grader.engine.spawnclient import SpawnStarter

        return SpawnStarter(prelude)
    return ForkServer(prelude) if warm_up is None else ForkServer(prelude, warm_up)


def attach(address: str) -> Starter:
    """The engine another process started, from its `path` (for pool processes)."""
    from grader.engine.spawnclient import ADDRESS_PREFIX, SpawnStarter

    return SpawnStarter.attach(address) if address.startswith(ADDRESS_PREFIX) else ForkServer.attach(address)
