"""The two-cluster mesh's root of trust: one secret seed in the stack's state, from which the program derives the root
CA and each cluster's intermediate (model/trust.py) on every evaluation."""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass

import pulumi
import pulumi_random as random

from model import trust
from model.multicluster import MeshCluster


@dataclass(frozen=True)
class MeshTrustArgs:
    issued: datetime.date  # the certificates' first day, kept from the seed's creation on


class MeshTrust(pulumi.ComponentResource):
    """The seed, created once with the day it was issued: later evaluations keep that day (the keeper's changes are
    ignored), so the certificates stay the same until the seed is replaced (docs/multicluster.md)."""

    seed: random.RandomBytes

    def __init__(self, name: str, args: MeshTrustArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:trust:MeshTrust", name, None, opts)
        self.seed = random.RandomBytes(
            f"{name}-seed",
            random.RandomBytesArgs(length=trust.SEED_BYTES, keepers={"issued": args.issued.isoformat()}),
            pulumi.ResourceOptions(parent=self, ignore_changes=["keepers"]),
        )
        self.register_outputs({})

    def cacerts(self, cluster: MeshCluster) -> pulumi.Output[dict[str, str]]:
        """`cluster`'s Secret istio-system/cacerts data, a secret."""
        return pulumi.Output.secret(
            pulumi.Output.all(self.seed.base64, self.seed.keepers).apply(
                lambda values: trust.cacerts(
                    base64.b64decode(values[0]), datetime.date.fromisoformat(values[1]["issued"]), cluster.name
                )
            )
        )
