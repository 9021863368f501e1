"""Safe defaults beyond loopback: who can reach the service decides what it must ask for.

On loopback (127.0.0.0/8, ``::1``, ``localhost``) only this machine's users reach the service, and it stays as
convenient as ever: the control API (``/mock/*``) is open unless ``--admin-key`` is given. Bound to anything else
(``0.0.0.0``, ``::``, a LAN address, a container's interface) anyone on that network could read every account's
keys and reset everything through ``/mock/*``, so the service refuses to start without an admin key, unless
``--insecure`` says, explicitly, that this is wanted (then it says so loudly on every start). API keys are random
unless ``--seed-keys`` asks for seed-derived ones. The threat model: docs/http-api.md.
"""

from __future__ import annotations

import ipaddress

INSECURE_BANNER = """\
!!! mockbroker is serving on {host} with NO admin key (--insecure): anyone who can reach this address can read
!!! every account's API keys, inject faults and reset the broker through /mock/*. Use --admin-key KEY (or the
!!! MOCKBROKER_ADMIN_KEY environment variable), or bind to 127.0.0.1."""


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def exposure_check(host: str, admin_key: str | None, insecure: bool) -> str | None:
    """``None`` when the service may start as asked, else why not (what ``serve`` exits with)."""
    if is_loopback(host) or admin_key or insecure:
        return None
    return (f"--host {host}: the service would be reachable beyond this machine, and /mock/* (every account's keys, "
            f"reset, fault injection) would be open to anyone who can reach it. Give an admin key: --admin-key KEY "
            f"or MOCKBROKER_ADMIN_KEY=KEY (clients send it as X-Mock-Admin-Key), bind to 127.0.0.1, or pass "
            f"--insecure if an open control API on this network is really what you want")


def insecure_warning(host: str, admin_key: str | None, insecure: bool) -> str | None:
    """The loud warning to print when ``--insecure`` actually opens the control API beyond loopback."""
    if insecure and not admin_key and not is_loopback(host):
        return INSECURE_BANNER.format(host=host)
    return None
