"""emozoo's conformance kit over both methods of this plugin (aae-ser and its semi-supervised preset)."""

from emozoo.testing import ConformanceSuite


class TestConformance(ConformanceSuite):
    plugin = "emozoo-aae"
