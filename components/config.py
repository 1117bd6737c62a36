"""The program's side of its configuration: the keys the engine handed it, and refusals as the engine reports them."""

from __future__ import annotations

import pulumi

from model.config import ConfigError


class RefusedConfig(ConfigError, pulumi.RunError):
    """A ConfigError raised where the engine reports it: Pulumi prints a RunError's one line, without a traceback."""

    @classmethod
    def of(cls, error: ConfigError) -> RefusedConfig:
        return cls(error.key, error.problem, error.allowed)


def configured_keys() -> set[str]:
    """Every `namespace:key` the engine handed this program (under `pulumi up`, the Automation API and the mocks)."""
    return set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.get_config_env())
