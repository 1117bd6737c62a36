"""The offline preview: the real program under Pulumi's mocks, with the configuration `pulumi up` would use, and
the schema checks of what it declares (`python -m tools.render` is its command line)."""
