"""Collection for the whole suite: the torch adapter's modules are collected (their doctests
run) only where torch is installed, as the ``torch`` extra installs it."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else [
    "oracle/engines/torch_engine.py", "oracle/engines/torch_catalog.py"]
