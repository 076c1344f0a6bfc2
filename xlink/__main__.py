"""``python -m xlink``: the same as the ``xlink`` command."""

from __future__ import annotations

from xlink.cli import main

if __name__ == "__main__":
    main()
