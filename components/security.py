"""Mesh security: the mesh-wide mutual TLS mode and Bookinfo's least-privilege authorization policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components.declare import Children, declare
from model import bookinfo_app
from model import istio_objects as istio
from model.mesh import INGRESS_GATEWAY, ISTIO_NAMESPACE, WAYPOINT
from model.settings import SecuritySettings

TRUST_DOMAIN = "cluster.local"
MESH_POLICY = "default"


def principal(namespace: str, service_account: str) -> str:
    """The SPIFFE identity (without `spiffe://`) Istio gives a workload's service account."""
    return f"{TRUST_DOMAIN}/ns/{namespace}/sa/{service_account}"


# The gateway chart names its service account after the release.
INGRESS_PRINCIPAL = principal(ISTIO_NAMESPACE, INGRESS_GATEWAY)
# Istio deploys a waypoint with a service account named after its Gateway.
WAYPOINT_PRINCIPAL = principal(bookinfo_app.NAMESPACE, WAYPOINT)


def mesh_mtls(mode: str) -> istio.IstioObject:
    """The root-namespace PeerAuthentication `default`: the mutual TLS mode of every sidecar in the mesh."""
    return istio.peer_authentication(MESH_POLICY, ISTIO_NAMESPACE, mode)


def bookinfo_authorization(ambient: bool = False) -> list[istio.IstioObject]:
    """Deny by default in the bookinfo namespace, then allow each service exactly its callers and methods.

    With sidecars each pod's proxy enforces its policy. Under ambient, ztunnel enforces L4 only (who may connect)
    and the namespace's waypoint the L7 rules (methods, paths) of the policies attached to its Services: the pods
    accept connections from the waypoint alone, and each Service's policy, at the waypoint, its callers."""

    def caller(app: str) -> str:
        return principal(bookinfo_app.NAMESPACE, bookinfo_app.service_account_name(app))

    def viewer(app: str, rules: list[dict[str, Any]]) -> istio.IstioObject:
        if ambient:
            return istio.authorization_policy(f"{app}-viewer", bookinfo_app.NAMESPACE, rules=rules, service=app)
        return istio.authorization_policy(f"{app}-viewer", bookinfo_app.NAMESPACE, app, rules)

    waypoint_only = istio.authorization_policy(
        "waypoint-only", bookinfo_app.NAMESPACE, rules=[istio.authorization_rule([WAYPOINT_PRINCIPAL])]
    )
    return [
        istio.authorization_policy("allow-nothing", bookinfo_app.NAMESPACE),
        *([waypoint_only] if ambient else []),
        viewer(
            "productpage",
            [
                istio.authorization_rule([INGRESS_PRINCIPAL], ["GET"]),
                istio.authorization_rule([INGRESS_PRINCIPAL], ["POST"], ["/login", "/logout"]),
            ],
        ),
        viewer("details", [istio.authorization_rule([caller("productpage")], ["GET"])]),
        viewer("reviews", [istio.authorization_rule([caller("productpage")], ["GET"])]),
        viewer("ratings", [istio.authorization_rule([caller("reviews")], ["GET"])]),
    ]


@dataclass(frozen=True)
class MeshSecurityArgs:
    settings: SecuritySettings
    istiod: pulumi.Resource
    bookinfo_namespace: pulumi.Resource
    ambient: bool = False


class MeshSecurity(pulumi.ComponentResource):
    """The PeerAuthentication that sets the mesh's mTLS mode and, if asked for, Bookinfo's AuthorizationPolicies."""

    def __init__(self, name: str, args: MeshSecurityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:security:MeshSecurity", name, None, opts)
        children = Children(self, name)
        declare(mesh_mtls(args.settings.mtls_mode), children, args.istiod)
        policies = bookinfo_authorization(args.ambient) if args.settings.authorization else []
        for policy in policies:
            declare(policy, children, args.istiod, args.bookinfo_namespace)
        self.register_outputs(
            {"mtlsMode": args.settings.mtls_mode, "authorizationPolicies": [p["metadata"]["name"] for p in policies]}
        )
