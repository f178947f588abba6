"""Every word of the scheme format (scheme.WORDS, the one list a scheme builder reads too) and each
of its choices is explained in the README's "Marking schemes" section."""
from __future__ import annotations

import re
from pathlib import Path

from contest.scoring import WORDS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_word_and_choice_is_in_the_readme_section():
    section = README.split("\n## Marking schemes\n", 1)[1].split("\n## ", 1)[0]
    words = {w.key for words in WORDS.values() for w in words} | {c for ws in WORDS.values() for w in ws
                                                                   for c in w.choices}
    missing = sorted(w for w in words if not re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", section))
    assert missing == []


def test_words_say_what_they_take():
    takes = {w.takes for words in WORDS.values() for w in words}
    assert takes <= {"whole", "number", "positive", "share", "text", "key", "flag", "choice", "list", "mapping",
                     "levels", "coefficient", "target"}
    assert all(w.choices for words in WORDS.values() for w in words if w.takes == "choice")
