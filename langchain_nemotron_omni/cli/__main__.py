"""``python -m langchain_nemotron_omni.cli``: the ``nemotron-omni`` command."""

import sys

from langchain_nemotron_omni.cli import main

sys.exit(main())
