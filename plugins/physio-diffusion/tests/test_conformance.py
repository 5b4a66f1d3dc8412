"""emozoo's conformance kit over this plugin's method."""

from emozoo.testing import ConformanceSuite


class TestConformance(ConformanceSuite):
    plugin = "emozoo-physio-diffusion"
