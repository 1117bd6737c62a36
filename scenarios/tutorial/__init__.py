"""The tutorial's scenarios, one module each: its `SCENARIO` record and the builders it alone uses."""
