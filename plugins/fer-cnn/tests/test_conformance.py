"""emozoo's conformance kit over this plugin's three methods."""

from emozoo.testing import ConformanceSuite


class TestConformance(ConformanceSuite):
    plugin = "emozoo-fer-cnn"
