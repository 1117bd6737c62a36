"""Reading raw configuration strings into typed values, with one error form for every bad value."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Protocol, TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

# The most digits an integer setting may have: every bound the program checks is far below 10**18, and Python
# refuses to turn text of more than 4,300 digits into a number at all.
INTEGER_DIGITS_MAX = 18


def too_many_digits(text: str) -> bool:
    """Whether integer text (sign and leading zeros aside) has more digits than any setting can use."""
    return len(text.strip().lstrip("+-").lstrip("0")) > INTEGER_DIGITS_MAX


def config_text(value: object) -> str:
    """A configuration value as the engine hands it to a program: text, objects and arrays as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class ConfigError(Exception):
    """A configuration value the program refuses: `<key>: <problem>; <allowed>`, one line."""

    def __init__(self, key: str, problem: str, allowed: str) -> None:
        super().__init__(f"{key}: {problem}; {allowed}")
        self.key, self.problem, self.allowed = key, problem, allowed


def refuse_unknown(keys: Iterable[str], namespace: str, declared: Iterable[str]) -> None:
    """Raises ConfigError for the first key of `namespace` that Pulumi.yaml does not declare (a typo, say)."""
    declared = sorted(declared)
    for key in sorted(keys):
        name = key.removeprefix(f"{namespace}:")
        if key.startswith(f"{namespace}:") and name not in declared:
            close = difflib.get_close_matches(name, declared, n=1)
            hint = f"did you mean {close[0]}?" if close else "no key of that name"
            raise ConfigError(name, "not a key of this project", f"{hint} (Pulumi.yaml declares every key)")


class RawConfig(Protocol):
    """What the settings need from a configuration namespace (`pulumi.Config` fits)."""

    def get(self, key: str) -> str | None: ...


class MappingConfig:
    """A RawConfig over `namespace:key` text values, for callers that hold the configuration themselves."""

    def __init__(self, values: Mapping[str, str], namespace: str) -> None:
        self._values = values
        self._namespace = namespace

    def get(self, key: str) -> str | None:
        return self._values.get(f"{self._namespace}:{key}")


class ConfigParser:
    """Reads raw strings from one namespace and turns them into typed values or a ConfigError."""

    def __init__(self, raw: RawConfig, prefix: str = "") -> None:
        self._raw = raw
        self._prefix = prefix

    def text(self, key: str) -> str:
        value = self._raw.get(key)
        if value is None:
            raise ConfigError(
                self._prefix + key, "not set", f"set it with `pulumi config set {self._prefix}{key} <value>`"
            )
        return value

    def optional_text(self, key: str) -> str | None:
        return self._raw.get(key)

    def optional_matching(self, key: str, pattern: re.Pattern[str], allowed: str) -> str | None:
        """The value, None when unset or empty (a key whose default is the empty string), or a ConfigError if it does not match."""
        value = self._raw.get(key) or None
        if value is not None and not pattern.match(value):
            raise ConfigError(self._prefix + key, f"{value!r} is not valid", allowed)
        return value

    def matching(self, key: str, pattern: re.Pattern[str], allowed: str) -> str:
        value = self.text(key)
        if not pattern.match(value):
            raise ConfigError(self._prefix + key, f"{value!r} is not valid", allowed)
        return value

    def one_of(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in choices:
            raise ConfigError(self._prefix + key, f"unknown value {value!r}", f"allowed: {', '.join(choices)}")
        return value

    def choice(self, key: str, choices: type[E]) -> E:
        """A member of the closed choice `choices`."""
        return choices(self.one_of(key, tuple(choices)))

    def choice_or(self, key: str, choices: type[E], word: str) -> E | None:
        """A member of `choices`, or None for `word` (such as `auto`: let the program choose)."""
        value = self.one_of(key, (word, *choices))
        return None if value == word else choices(value)

    def integer(self, key: str, minimum: int, maximum: int | None = None) -> int:
        allowed = (
            f"allowed: an integer from {minimum} to {maximum}"
            if maximum is not None
            else (f"allowed: an integer >= {minimum}")
        )
        value = self.text(key)
        if not re.fullmatch(r"-?[0-9]+", value.strip()):
            raise ConfigError(self._prefix + key, f"{value!r} is not an integer", allowed)
        if too_many_digits(value):
            raise ConfigError(self._prefix + key, f"{value[:12]}... ({len(value)} characters) is out of range", allowed)
        number = int(value)
        if number < minimum or (maximum is not None and number > maximum):
            raise ConfigError(self._prefix + key, f"{number} is out of range", allowed)
        return number

    def boolean(self, key: str) -> bool:
        """`true` or `false` exactly, as the Pulumi CLI writes booleans (it refuses yes, on, True)."""
        value = self.text(key)
        if value not in ("true", "false"):
            raise ConfigError(self._prefix + key, f"{value!r} is not a boolean", "allowed: true, false")
        return value == "true"

    def parsed(self, key: str, parse: Callable[[str], T], allowed: str) -> T:
        """Applies `parse` (which raises ValueError with the problem) to the raw value."""
        value = self.text(key)
        try:
            return parse(value)
        except ValueError as problem:
            raise ConfigError(self._prefix + key, str(problem), allowed) from None
