"""Comparing our objects with upstream ones: what upstream has must be there, and what we add is listed."""

from __future__ import annotations

from typing import Any


def _keyed(items: list[Any]) -> dict[Any, Any] | None:
    """Lists of named items (containers, volumes, env) compare by name, not by position."""
    if items and all(isinstance(item, dict) and "name" in item for item in items):
        return {item["name"]: item for item in items}
    return None


def additions(ours: Any, upstream: Any, path: str = "") -> list[str]:
    """Paths we set that upstream does not; raises AssertionError where we differ from upstream."""
    if isinstance(upstream, dict) and isinstance(ours, dict):
        missing = set(upstream) - set(ours)
        assert not missing, f"{path or '<root>'}: missing {sorted(missing)}"
        found = [f"{path}.{key}".lstrip(".") for key in sorted(set(ours) - set(upstream))]
        for key in upstream:
            found += additions(ours[key], upstream[key], f"{path}.{key}".lstrip("."))
        return found
    if isinstance(upstream, list) and isinstance(ours, list):
        ours_by_name, upstream_by_name = _keyed(ours), _keyed(upstream)
        if ours_by_name is not None and upstream_by_name is not None:
            assert set(ours_by_name) == set(upstream_by_name), (
                f"{path}: {sorted(ours_by_name)} != {sorted(upstream_by_name)}"
            )
            return [
                p
                for name in upstream_by_name
                for p in additions(ours_by_name[name], upstream_by_name[name], f"{path}[{name}]")
            ]
        assert len(ours) == len(upstream), f"{path}: {ours} != {upstream}"
        return [p for i, (a, b) in enumerate(zip(ours, upstream, strict=True)) for p in additions(a, b, f"{path}[{i}]")]
    assert ours == upstream, f"{path}: {ours!r} != {upstream!r}"
    return []


def without_namespace(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = {key: value for key, value in obj["metadata"].items() if key != "namespace"}
    return {**obj, "metadata": metadata}
