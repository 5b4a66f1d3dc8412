"""``python -m emozoo.testing NAME...``: the conformance kit on a plugin's methods; non-zero on failure."""

import sys

from emozoo.testing.runner import main

sys.exit(main())
