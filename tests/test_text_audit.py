"""The generated-text audit: exact and near copies of training texts are counted, distinct texts are not."""

from __future__ import annotations

import pytest

from emozoo.errors import InputError
from emozoo.evaluation.text_audit import audit_duplicates, jaccard, normalise, shingles


def test_normalise_and_shingles() -> None:
    assert normalise("  Hello,   WORLD!!  ") == "hello world"
    assert normalise("ﬁne") == "fine"  # NFKC folds the ligature
    assert shingles("abcdef") == frozenset({"abcde", "bcdef"}) and shingles("abc") == frozenset({"abc"})
    assert jaccard(frozenset({"a", "b"}), frozenset({"b", "c"})) == pytest.approx(1 / 3)


def test_audit_counts_exact_near_and_distinct() -> None:
    training = ["I am so happy about the new puppy today", "This traffic makes me furious every morning", "ok"]
    generated = [
        "i am SO happy about the new puppy today!!",            # exact after normalising
        "I am so happy about the new puppy today, really",      # near: most shingles shared
        "The weather report says rain tomorrow afternoon",      # distinct
        "OK",                                                   # exact (short text)
        "This traffic makes me furious every morning again",    # near
    ]  # fmt: skip
    audit = audit_duplicates(generated, training)
    assert (audit.n_generated, audit.exact, audit.near) == (5, 2, 2)
    assert audit.exact_examples[0] == (0, training[0]) and audit.exact_examples[1] == (3, "ok")
    assert [e[0] for e in audit.near_examples] == [1, 4] and all(e[2] >= 0.8 for e in audit.near_examples)
    strict = audit_duplicates(generated, training, threshold=1.0)
    assert strict.near == 0 and strict.exact == 2
    d = audit.to_dict()
    assert d["exact_share"] == 0.4 and d["near_share"] == 0.4
    # the near score is the exact Jaccard of the shingle sets
    a, b = shingles(normalise(generated[1])), shingles(normalise(training[0]))
    assert audit.near_examples[0][2] == pytest.approx(round(jaccard(a, b), 4))
    with pytest.raises(InputError, match="threshold"):
        audit_duplicates(generated, training, threshold=0.0)
    assert audit_duplicates([], training).to_dict()["exact_share"] == 0.0
