"""The end-to-end run: the real Pulumi engine against a local Kubernetes control plane (`python -m e2e`)."""
