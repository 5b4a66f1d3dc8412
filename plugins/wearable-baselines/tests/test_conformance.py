"""emozoo's conformance kit over this plugin's six methods."""

from emozoo.testing import ConformanceSuite


class TestConformance(ConformanceSuite):
    plugin = "emozoo-wearable-baselines"
