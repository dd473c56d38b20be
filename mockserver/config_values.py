"""Readers of kratos.yml values (each checks one value and names the key when it is wrong)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from .values import parse_go_duration

Reader = Callable[[Any, str], Any]


class ConfigError(ValueError):
    """A kratos.yml the mock cannot follow: unreadable, invalid, or using an unsupported key."""


def _duration(value: Any, key: str) -> timedelta:
    parsed = parse_go_duration(str(value)) if isinstance(value, str) else None
    if parsed is None or parsed <= timedelta(0):
        raise ConfigError(f"kratos.yml: {key} must be a positive duration such as 1h or 30m, got {value!r}")
    return parsed


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"kratos.yml: {key} must be true or false, got {value!r}")
    return value


def _int(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"kratos.yml: {key} must be a non-negative integer, got {value!r}")
    return value


def _url(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ConfigError(f"kratos.yml: {key} must be an http(s) URL, got {value!r}")
    return value


def _same_site(value: Any, key: str) -> str:
    if value not in ("Strict", "Lax", "None"):
        raise ConfigError(f"kratos.yml: {key} must be Strict, Lax or None, got {value!r}")
    return str(value)


def _string(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"kratos.yml: {key} must be a string, got {value!r}")
    return value


def _aal(value: Any, key: str) -> str:
    if value not in ("aal1", "highest_available"):
        raise ConfigError(f"kratos.yml: {key} must be aal1 or highest_available, got {value!r}")
    return str(value)


def one_of(*allowed: str) -> Reader:
    def read(value: Any, key: str) -> str:
        if value not in allowed:
            raise ConfigError(f"kratos.yml: {key} must be one of {', '.join(allowed)}, got {value!r}")
        return str(value)

    return read


def _urls(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"kratos.yml: {key} must be a list of URLs")
    return tuple(_string(v, key) for v in value)
