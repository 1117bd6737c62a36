"""Cloud Service Mesh on the stack's cluster: the fleet's service mesh feature, and the cluster's membership of it
with automatic management, so that Google provisions and upgrades the control plane (`mesh=managed`)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from model.managed import AUTOMATIC_MANAGEMENT, FEATURE_LOCATION, SERVICE_MESH_FEATURE


@dataclass(frozen=True)
class FleetMembership:
    """The cluster's membership of its project's fleet, as GKE registers it (the cluster's `fleet` block)."""

    project: pulumi.Input[str]
    membership_id: pulumi.Input[str]
    location: pulumi.Input[str]


@dataclass(frozen=True)
class ManagedControlPlaneArgs:
    membership: FleetMembership
    after: list[pulumi.Resource]  # what must exist before Google provisions the mesh (istio-system)


class ManagedControlPlane(pulumi.ComponentResource):
    """The `servicemesh` fleet feature and the cluster's membership of it, managed automatically by Google."""

    membership: gcp.gkehub.FeatureMembership  # what the mesh's objects wait for, as they wait for istiod otherwise

    def __init__(self, name: str, args: ManagedControlPlaneArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:managed:ManagedControlPlane", name, None, opts)
        fleet = args.membership
        feature = gcp.gkehub.Feature(
            f"{name}-feature",
            gcp.gkehub.FeatureArgs(name=SERVICE_MESH_FEATURE, location=FEATURE_LOCATION, project=fleet.project),
            pulumi.ResourceOptions(parent=self),
        )
        self.membership = gcp.gkehub.FeatureMembership(
            f"{name}-membership",
            gcp.gkehub.FeatureMembershipArgs(
                feature=feature.name,
                location=FEATURE_LOCATION,
                membership=fleet.membership_id,
                membership_location=fleet.location,
                project=fleet.project,
                mesh=gcp.gkehub.FeatureMembershipMeshArgs(management=AUTOMATIC_MANAGEMENT),
            ),
            pulumi.ResourceOptions(parent=self, depends_on=args.after),
        )
        self.register_outputs({"feature": feature.name, "management": AUTOMATIC_MANAGEMENT})
