"""The masking development corpus: a seeded generator of department-shaped responses with labelled truth
(generate.py) and a scorer reporting recall per entity in fields and in free text, and controls kept
(score.py). `python -m tests.masking_corpus.score` prints the table; test_corpus.py holds the thresholds.
heldout*.py hold two held-out corpora written blind (ordinary and harsh shapes), guarded by test_heldout.py."""
