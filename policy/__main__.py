"""istio-demo's CrossGuard policy pack: `pulumi preview --policy-pack policy`.

The checks are plain functions in validators.py (tested without the SDK); this file only wires them up.
Importing it starts the policy server, so tests never do.
"""

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))  # validators.py, however the CLI starts the pack

import validators


def per_resource(
    name: str, description: str, check: Callable[[str, Mapping[str, Any]], list[str]]
) -> ResourceValidationPolicy:
    """A mandatory policy reporting every message `check` returns for a resource."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in check(args.resource_type, args.props):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=EnforcementLevel.MANDATORY
    )


def validate_subsets(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = [(resource.urn, resource.resource_type, resource.props) for resource in args.resources]
    for urn, message in validators.missing_subsets(resources):
        report_violation(message, urn)


def validate_backends(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = [(resource.urn, resource.resource_type, resource.props) for resource in args.resources]
    for urn, message in validators.missing_backends(resources):
        report_violation(message, urn)


def validate_destroy(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for message in validators.blocks_destroy(args.resource_type, args.props, bool(args.opts.protect)):
        report_violation(message, None)


PolicyPack(
    name="istio-demo",
    policies=[
        per_resource(
            "virtual-service-weights-sum-to-100",
            "Every VirtualService route and Gateway API route rule that splits traffic gives weights summing to 100.",
            validators.route_weights,
        ),
        StackValidationPolicy(
            name="route-subsets-exist",
            description="Every subset a VirtualService routes or mirrors to is defined in its host's DestinationRule.",
            validate=validate_subsets,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        StackValidationPolicy(
            name="route-backends-exist",
            description="Every Service a Gateway API route sends or mirrors traffic to is declared by the stack.",
            validate=validate_backends,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        per_resource(
            "only-the-ingress-gateway-is-a-load-balancer",
            "Only istio-ingressgateway gets a LoadBalancer (Helm release values or typed Services).",
            validators.load_balancers,
        ),
        per_resource(
            "no-root-or-privileged-containers",
            "No container of a typed workload is privileged, runs as user 0 or lacks runAsNonRoot.",
            validators.root_or_privileged,
        ),
        per_resource(
            "dashboards-stay-private",
            "Grafana and Kiali are not exposed through a LoadBalancer, NodePort or Ingress.",
            validators.exposed_dashboards,
        ),
        # Advisory: deletion protection is a supported choice (the deletionProtection config key); blocking it
        # would make the key useless. The warning says that `pulumi destroy` will stop until it is undone.
        ResourceValidationPolicy(
            name="destroy-can-complete",
            description="Deletion protection or `protect` makes `pulumi destroy` fail until it is turned off.",
            validate=validate_destroy,
            enforcement_level=EnforcementLevel.ADVISORY,
        ),
    ],
)
