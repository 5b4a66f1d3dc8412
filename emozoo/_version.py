"""The core's release version and the plugin API version that plugins declare compatibility with."""

__version__ = "0.1.0"

#: Version of the plugin contract (hookspecs, MethodSpec/DatasetSpec fields, EmotionModel API).
#: Plugins declare the range they support in ``MethodSpec.core_api`` (e.g. ``">=1.0,<2"``).
CORE_API_VERSION = "1.0"
