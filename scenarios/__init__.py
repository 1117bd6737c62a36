"""The traffic-management scenarios: the catalog of records and one small builder per scenario, returning plain data."""
