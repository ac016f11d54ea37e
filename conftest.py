"""Load the dojo pytest plugin for the katas and the suite's own tests."""

pytest_plugins = ["dojo.plugin"]
