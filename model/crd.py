"""Typed custom resources: frozen dataclasses that serialise to the field names their CRDs spell."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, ClassVar


def camel(name: str) -> str:
    """A Python field name as the CRDs spell it: `fixed_delay` -> `fixedDelay`, `consecutive_5xx_errors` ->
    `consecutive5xxErrors`; a trailing underscore (`from_`) avoids a Python keyword."""
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def serialise(value: Any) -> Any:
    """A model value as plain data: dataclasses by field, unset fields (None, empty) left out."""
    if is_dataclass(value) and not isinstance(value, type):
        custom = getattr(value, "to_crd", None)
        if custom is not None:
            return custom()
        return set_fields(value)
    if isinstance(value, Mapping):
        return {key: serialise(inner) for key, inner in value.items()}
    if isinstance(value, tuple | list):
        return [serialise(inner) for inner in value]
    return value


def set_fields(value: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A dataclass's fields, but those in `skip` and those unset (None or empty), by their CRD names."""
    result = {}
    for item in fields(value):
        inner = serialise(getattr(value, item.name))
        if item.name not in skip and inner not in (None, [], {}):
            result[camel(item.name)] = inner
    return result


@dataclass(frozen=True)
class CustomObject:
    """A namespaced custom resource: `name` and `namespace` go to its metadata, every other field to its spec."""

    API_VERSION: ClassVar[str]
    KIND: ClassVar[str]

    name: str
    namespace: str

    @property
    def former_namespaces(self) -> tuple[str, ...]:
        """Namespaces this object lived in under earlier versions of the program (an existing stack's object there
        is replaced by this one, not left behind)."""
        return ()

    def manifest(self) -> dict[str, Any]:
        return {
            "apiVersion": self.API_VERSION,
            "kind": self.KIND,
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": set_fields(self, skip=("name", "namespace")),
        }
