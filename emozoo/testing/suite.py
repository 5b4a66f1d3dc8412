"""The conformance suite as a pytest module, over ``$EMOZOO_CONFORMANCE_METHODS`` (else every installed method).

``python -m emozoo.testing`` runs this file; plugins subclass ``ConformanceSuite`` in their own tests instead.
"""

from emozoo.testing import ConformanceSuite


class TestConformance(ConformanceSuite):
    """Every check of the kit, once per method."""
