"""``python -m emozoo.showcase``: the main job."""

import sys

from emozoo.showcase.run import main

sys.exit(main())
