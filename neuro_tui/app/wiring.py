"""Process set-up the app needs before Textual takes over the terminal."""

from __future__ import annotations


def prepare_child_processes() -> None:
    """Start multiprocessing's resource tracker before Textual captures stderr.

    The tracker is spawned with stderr's fd; under a running app that is Textual's capture
    (fileno -1) and web-page extraction (a forkserver) fails with "bad value(s) in
    fds_to_keep". Started here, once per process, it is simply reused later.
    """
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
