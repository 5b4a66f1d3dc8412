import sys

from emozoo.cli import main

sys.exit(main())
