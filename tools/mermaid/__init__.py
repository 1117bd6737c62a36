"""Mermaid itself, in headless Chromium, as the check that every routing diagram renders (set-up, then the check)."""
