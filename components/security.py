"""Mesh security: the mesh-wide mutual TLS mode and Bookinfo's least-privilege authorization policies."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.declare import Children, declare
from model import bookinfo_app
from model import istio_policy as istio
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


def mesh_mtls(mode: str) -> istio.PeerAuthentication:
    """The root-namespace PeerAuthentication `default`: the mutual TLS mode of every sidecar in the mesh."""
    return istio.PeerAuthentication(MESH_POLICY, ISTIO_NAMESPACE, mtls=istio.MutualTls(mode))


def bookinfo_authorization(ambient: bool = False) -> list[istio.AuthorizationPolicy]:
    """Deny by default in the bookinfo namespace, then allow each service exactly its callers and methods.

    With sidecars each pod's proxy enforces its policy. Under ambient, ztunnel enforces L4 only (who may connect)
    and the namespace's waypoint the L7 rules (methods, paths) of the policies attached to its Services: the pods
    accept connections from the waypoint alone, and each Service's policy, at the waypoint, its callers."""

    namespace = bookinfo_app.NAMESPACE

    def caller(app: str) -> tuple[str, ...]:
        return (principal(namespace, bookinfo_app.service_account_name(app)),)

    def viewer(app: str, *rules: istio.Rule) -> istio.AuthorizationPolicy:
        if ambient:
            return istio.AuthorizationPolicy(
                f"{app}-viewer", namespace, target_refs=(istio.TargetRef(app),), rules=rules
            )
        selector = istio.WorkloadSelector({"app": app})
        return istio.AuthorizationPolicy(f"{app}-viewer", namespace, selector=selector, rules=rules)

    waypoint_only = istio.AuthorizationPolicy("waypoint-only", namespace, rules=(istio.allow((WAYPOINT_PRINCIPAL,)),))
    ingress = (INGRESS_PRINCIPAL,)
    return [
        istio.AuthorizationPolicy("allow-nothing", namespace),
        *([waypoint_only] if ambient else []),
        viewer(
            "productpage",
            istio.allow(ingress, ("GET",)),
            istio.allow(ingress, ("POST",), ("/login", "/logout")),
        ),
        viewer("details", istio.allow(caller("productpage"), ("GET",))),
        viewer("reviews", istio.allow(caller("productpage"), ("GET",))),
        viewer("ratings", istio.allow(caller("reviews"), ("GET",))),
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
            {"mtlsMode": args.settings.mtls_mode, "authorizationPolicies": [p.name for p in policies]}
        )
