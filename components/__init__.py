"""The stack's Pulumi components, one concern each."""
