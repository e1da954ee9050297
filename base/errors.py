"""The project's own errors. Services raise these, never Http404: a service does not know it is
serving a web page. The views' middleware (network.middleware) answers NotFound with a 404."""


class NotFound(Exception):
    """What was asked for does not exist, or is not the viewer's to see: both look the same."""
