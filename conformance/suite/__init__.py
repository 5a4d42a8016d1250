"""The conformance suite: ``pytest --pyargs conformance.suite --conformance-target=…``."""
