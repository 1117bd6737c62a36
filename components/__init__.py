"""The stack's Pulumi components, one concern each, and the helpers that declare their resources."""
