"""The clock the judge's time budgets are counted on: the CPU time of the judging process.

A budget on the wall clock made the verdict depend on the machine's load: the README's main
job, run beside a test suite on two cores, gave up on a check (``lu_factor``'s second order)
that takes half its budget on a quiet machine, and said *unjudged*. CPU time is what the
judge itself spends, so the same check gets the same verdict however busy the machine is.
The sweep judges in worker processes, one check at a time each, so the process's CPU time is
the check's.
"""

from __future__ import annotations

import signal
import time

__all__ = ["ALARM_SIGNAL", "ALARM_TIMER", "cpu_seconds"]

# The interval timer that counts the same time as ``cpu_seconds`` (user and system time of the
# process), and the signal it sends.
ALARM_TIMER = getattr(signal, "ITIMER_PROF", None)
ALARM_SIGNAL = getattr(signal, "SIGPROF", None)


def cpu_seconds() -> float:
    """The CPU time (user and system) this process has used, in seconds.

    >>> a = cpu_seconds()
    >>> sum(range(10**5)) > 0 and cpu_seconds() >= a
    True
    """
    return time.process_time()
