"""`python -m docgen`: see docgen/cli.py."""

import sys

from docgen.cli import main

sys.exit(main())
