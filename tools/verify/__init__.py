"""The live-traffic checker: does a deployed scenario route Bookinfo (or its sample apps) as configured?"""
