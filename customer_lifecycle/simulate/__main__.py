"""``python -m customer_lifecycle.simulate``: see :mod:`.cli`."""

import sys

from customer_lifecycle.simulate.cli import main

if __name__ == "__main__":  # importing this module (as the tests do) runs nothing
    sys.exit(main())
