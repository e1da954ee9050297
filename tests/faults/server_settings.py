"""The site as production serves it (DEBUG off, so a failure gets the friendly error page), with
development's static files so that no collectstatic is needed."""

from network.settings import *  # noqa: F403

DEBUG = False
