"""How a component keeps an existing stack's resources when its type token changes."""

from __future__ import annotations

import pulumi


def formerly_typed(former: str, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """`opts` with an alias to the component's former type token: the engine then finds the component under its old
    URN, and its children under theirs, each inheriting the alias of its parent."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=former)]))
