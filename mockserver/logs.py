"""``kratos-mock run --log-format json``: one JSON object per log line, for CI sidecars whose logs
are collected and searched. Access-log lines carry the request's fields as keys."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any


def json_line(message: str, *, level: str = "INFO", logger: str = "mockserver", **fields: Any) -> str:
    """One log line as a JSON object: ``time``, ``level``, ``logger``, ``message`` and ``fields``."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"time": now, "level": level, "logger": logger, "message": message, **fields})


class JsonFormatter(logging.Formatter):
    """uvicorn's access records (args: client, method, path, HTTP version, status) get their
    fields as keys; every other record is time, level, logger and message."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {}
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            fields = {"client": client, "method": method, "path": path, "http_version": version, "status": status}
            message = f'{client} - "{method} {path} HTTP/{version}" {status}'
        else:
            message = record.getMessage()
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return json_line(message, level=record.levelname, logger=record.name, **fields)


def json_config(level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn (its ``log_config``) and our own loggers."""
    handler = {"formatter": "json", "class": "logging.StreamHandler"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {**handler, "stream": "ext://sys.stderr"},
            "stdout": {**handler, "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": ["stdout"], "level": level.upper(), "propagate": False},
            "mockserver": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
        },
    }


def configure_json(level: str) -> None:
    import logging.config

    logging.config.dictConfig(json_config(level))
