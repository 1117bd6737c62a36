import sys

from e2e.run import main

sys.exit(main())
