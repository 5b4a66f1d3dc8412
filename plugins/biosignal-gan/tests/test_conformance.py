"""emozoo's conformance kit over this plugin's methods."""

from emozoo.testing import ConformanceSuite


class TestConformance(ConformanceSuite):
    plugin = "emozoo-biosignal-gan"
