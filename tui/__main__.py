"""`python -m tui` runs the same entry point as the `dtui` console script.

The cyclic garbage collector is off while dtui starts: importing Textual and
docker-py and building the first screen allocate a few hundred thousand
objects and hardly any garbage cycles, and the collector's passes over them
cost several percent of the time to the first list. The main screen turns it
back on (after ``gc.freeze()``, so what startup built is not scanned again)
once the first list is on screen, or after a short wait for a slow daemon.
"""

import gc

gc.disable()

from tui.cli import main  # noqa: E402  (after gc.disable: it imports the world)

raise SystemExit(main())
