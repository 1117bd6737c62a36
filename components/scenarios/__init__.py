"""The traffic-management scenarios: one small builder per scenario, returning plain data."""
