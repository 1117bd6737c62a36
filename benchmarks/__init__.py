"""Measurements of the program: rendering against importing, and scenario switches under the real engine."""
