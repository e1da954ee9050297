"""A demo network of fictional members, communities, events and resources (tooling/demo/)."""

from tooling.demo.seeding import Command

__all__ = ["Command"]
