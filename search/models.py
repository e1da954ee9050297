from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F

from base.typos import typo_keys


class SearchWord(models.Model):
    """A word the network's searchable text uses, so that a slip ("dementai") can be corrected
    to it ("dementia"). Rebuilt by search.services.words_refresh() from what may be searched:
    public words for everyone, members' words for members, nothing from a secret community."""

    class Audience(models.TextChoices):
        PUBLIC = "public", "Everyone"
        MEMBERS = "members", "Signed-in members"

    word = models.CharField(max_length=60, unique=True)
    audience = models.CharField(max_length=16, choices=Audience.choices)

    class Meta:
        indexes = [
            GinIndex(OpClass("word", name="gin_trgm_ops"), name="search_word_trigram"),
            # Corrections of a typo or two (base/typos.py).
            GinIndex(typo_keys(F("word")), name="search_word_typos"),
        ]

    def __str__(self):
        return self.word
