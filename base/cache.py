"""The Redis cache, with an unreachable Redis counted as a miss rather than an error.

The cache only ever holds what can be worked out again (dashboard figures, rate-limit counts):
Postgres is the record of everything that matters. So when Redis is down, reads miss, writes
are dropped, and pages carry on; each failure is logged for the operators.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _carry_on(action: str, error: Exception) -> None:
    logger.warning("cache %s skipped, Redis unreachable: %s", action, error)


class ForgivingRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            _carry_on("read", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            _carry_on("read", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            _carry_on("read", error)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            _carry_on("write", error)
            # Nobody can hold a key in a Redis that is down. Answering "taken" would make the
            # locks built on add (allauth's rate limits) wait, then turn every sign-in away.
            return True

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            _carry_on("write", error)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            _carry_on("write", error)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            _carry_on("write", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            _carry_on("write", error)
            # What Django's caches raise for a key they do not hold.
            raise ValueError(f"Key '{key}' not found.") from error

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            _carry_on("delete", error)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except RedisError as error:
            _carry_on("delete", error)

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            _carry_on("clear", error)
            return False
