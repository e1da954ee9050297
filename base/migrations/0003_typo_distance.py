"""Damerau's distance between two words, a different first letter counting one more, given up
as soon as it passes `most`; and the keys a GIN index finds words within a few typos by
(base/typos.py says how they are used)."""

from django.db import migrations

TYPOS = r"""
CREATE OR REPLACE FUNCTION network_typos(typed text, word text, most integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  n integer := length(typed);
  m integer := length(word);
  before integer[];
  row integer[];
  current integer[];
  best integer;
  lowest integer;
BEGIN
  IF abs(n - m) > most THEN
    RETURN most + 1;
  END IF;
  row := array(SELECT generate_series(0, m));
  FOR i IN 1..n LOOP
    current := array[i];
    lowest := i;
    FOR j IN 1..m LOOP
      best := least(
        row[j + 1] + 1,
        current[j] + 1,
        row[j] + CASE WHEN substr(typed, i, 1) = substr(word, j, 1) THEN 0 ELSE 1 END
      );
      IF i > 1 AND j > 1 AND substr(typed, i, 1) = substr(word, j - 1, 1)
         AND substr(typed, i - 1, 1) = substr(word, j, 1) THEN
        best := least(best, before[j - 1] + 1);
      END IF;
      current := current || best;
      lowest := least(lowest, best);
    END LOOP;
    IF lowest > most THEN
      RETURN most + 1;
    END IF;
    before := row;
    row := current;
  END LOOP;
  RETURN least(
    row[m + 1] + CASE WHEN left(typed, 1) = left(word, 1) THEN 0 ELSE 1 END, most + 1
  );
END
$$;

CREATE OR REPLACE FUNCTION network_has_word_within(text text, typed text, most integer)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT EXISTS (
    SELECT 1 FROM regexp_split_to_table(text, '[^[:alpha:]]+') AS part
    WHERE abs(length(part) - length(typed)) <= most AND network_typos(typed, part, most) <= most
  )
$$;

-- What a stored text is found by: each word of 4 letters or more, with every letter left out in
-- turn and, in a word of 7 or more, every two. A word typed within its typos shares one of these
-- with the word meant (the typed word's own, base/typos.py), so a GIN index of them finds it.
CREATE OR REPLACE FUNCTION network_typo_keys(text text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  found text[] := '{}';
  part text;
  one text;
  n integer;
BEGIN
  FOREACH part IN ARRAY regexp_split_to_array(text, '[^[:alpha:]]+') LOOP
    n := length(part);
    CONTINUE WHEN n < 4 OR n > 60;
    found := found || part;
    FOR i IN 1..n LOOP
      one := overlay(part placing '' from i for 1);
      found := found || one;
      IF n >= 7 THEN
        FOR j IN i..n - 1 LOOP
          found := found || overlay(one placing '' from j for 1);
        END LOOP;
      END IF;
    END LOOP;
  END LOOP;
  RETURN found;
END
$$;
"""

FORGET = """
DROP FUNCTION IF EXISTS network_typo_keys(text);
DROP FUNCTION IF EXISTS network_has_word_within(text, text, integer);
DROP FUNCTION IF EXISTS network_typos(text, text, integer);
"""


class Migration(migrations.Migration):
    dependencies = [("base", "0002_outbox")]

    operations = [migrations.RunSQL(TYPOS, FORGET)]
