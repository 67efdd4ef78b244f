"""The one redaction path: secret-named arguments become ``<redacted>``, and every text mmturn writes
(sample lines, results.json, report.html, log lines, the CLI's error line) has the values of known
secrets (API keys an adapter read) and any ``Bearer ...`` token replaced, e.g. a key a server echoed
back in an error body."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

SECRET_WORDS = ("key", "token", "secret", "password", "authorization", "credential")
REDACTED = "<redacted>"
BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"'<>,;\\]+")
_values: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret's value (an API key read from the environment) so that no output holds it."""
    if value and len(value) >= 4:
        _values.add(value)
        _values.add(json.dumps(value)[1:-1])  # as it appears inside JSON text


def scrub(text: str) -> str:
    """``text`` with every known secret value and bearer token replaced by ``<redacted>``."""
    for value in sorted(_values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    return BEARER.sub(lambda m: m.group(1) + REDACTED, text) if "earer" in text or "EARER" in text else text


def is_secret_name(name: str) -> bool:
    return any(w in name.lower() for w in SECRET_WORDS)


def redact(args: dict[str, Any]) -> dict[str, Any]:
    """Arguments for results.json: secret-named ones hidden, text values scrubbed."""
    return {k: REDACTED if is_secret_name(k) else scrub(v) if isinstance(v, str) else v for k, v in args.items()}


class ScrubFilter(logging.Filter):
    """Scrubs every log record that passes a handler (installed on the CLI's handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if record.exc_info and record.exc_info[1] is not None:
            cleaned += "\n" + scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info, record.exc_text = None, None
        record.msg, record.args = cleaned, ()
        return True


def install_log_filter() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ScrubFilter) for f in handler.filters):
            handler.addFilter(ScrubFilter())
