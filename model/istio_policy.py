"""Istio's telemetry and security objects as typed data: Telemetry, PeerAuthentication and AuthorizationPolicy, with
only the fields the project sets, serialising (model.crd) to the names Istio's CRDs use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from model.crd import CustomObject

TELEMETRY_API = "telemetry.istio.io/v1"
SECURITY_API = "security.istio.io/v1"


@dataclass(frozen=True)
class Provider:
    name: str


@dataclass(frozen=True)
class Tracing:
    providers: tuple[Provider, ...]
    random_sampling_percentage: float


@dataclass(frozen=True, kw_only=True)
class Telemetry(CustomObject):
    """In the root namespace (istio-system) it applies to the whole mesh."""

    API_VERSION: ClassVar[str] = TELEMETRY_API
    KIND: ClassVar[str] = "Telemetry"

    tracing: tuple[Tracing, ...]


@dataclass(frozen=True)
class MutualTls:
    mode: str


@dataclass(frozen=True, kw_only=True)
class PeerAuthentication(CustomObject):
    """Without a selector, in the root namespace, it covers the whole mesh."""

    API_VERSION: ClassVar[str] = SECURITY_API
    KIND: ClassVar[str] = "PeerAuthentication"

    mtls: MutualTls


@dataclass(frozen=True)
class WorkloadSelector:
    match_labels: Mapping[str, str]


@dataclass(frozen=True)
class TargetRef:
    name: str
    kind: str = "Service"
    group: str = ""

    def to_crd(self) -> dict[str, str]:
        return {"group": self.group, "kind": self.kind, "name": self.name}


@dataclass(frozen=True)
class Source:
    principals: tuple[str, ...]


@dataclass(frozen=True)
class From:
    source: Source


@dataclass(frozen=True)
class Operation:
    methods: tuple[str, ...]
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class To:
    operation: Operation


@dataclass(frozen=True)
class Rule:
    """Requests from any of the sources (and, with `to`, using one of the operations; without, an L4 rule, which
    ztunnel can enforce)."""

    from_: tuple[From, ...]
    to: tuple[To, ...] = ()


@dataclass(frozen=True, kw_only=True)
class AuthorizationPolicy(CustomObject):
    """An ALLOW policy for the pods `selector` picks, or for the Service `target_refs` names (enforced by its
    waypoint, under ambient); with neither, for the whole namespace; without rules, it allows nothing."""

    API_VERSION: ClassVar[str] = SECURITY_API
    KIND: ClassVar[str] = "AuthorizationPolicy"

    selector: WorkloadSelector | None = None
    target_refs: tuple[TargetRef, ...] = ()
    rules: tuple[Rule, ...] = ()
    action: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.rules:
            object.__setattr__(self, "action", "ALLOW")


def allow(principals: tuple[str, ...], methods: tuple[str, ...] = (), paths: tuple[str, ...] = ()) -> Rule:
    """A rule: requests from any of `principals`, using one of `methods` on one of `paths` if given."""
    return Rule((From(Source(principals)),), (To(Operation(methods, paths)),) if methods else ())
