"""Command-line tools around the stack: the offline preview."""
