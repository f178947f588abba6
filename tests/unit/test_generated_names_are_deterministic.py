import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from contest.people.names import NameGenerator

REPO = Path(__file__).resolve().parents[2]


def names(seed: int, count: int = 200) -> list[str]:
    generator = NameGenerator(seed)
    return [generator.person_name("男" if n % 2 else "女") for n in range(count)]


def test_the_same_seed_gives_the_same_names():
    assert names(2026) == names(2026)


def test_different_seeds_give_different_names():
    assert names(1) != names(2)


def test_the_names_do_not_depend_on_the_process():
    # String hashing is randomised per process; the seeds must not depend on it.
    script = ("from contest.people.names import NameGenerator as G; g = G(7); "
              "print([g.person_name('女') for _ in range(50)])")
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            env=os.environ | {"PYTHONHASHSEED": hash_seed},
        ).stdout
        for hash_seed in ("1", "2")
    }
    generator = NameGenerator(7)
    assert outputs == {str([generator.person_name("女") for _ in range(50)]) + "\n"}


def test_names_look_like_chinese_names():
    sample = names(3, 2000)
    assert all(2 <= len(name) <= 3 for name in sample)
    assert all("\u4e00" <= ch <= "\u9fff" for name in sample for ch in name)
    assert all(len(set(name)) == len(name) for name in sample)  # no 王王 or 建建
    assert 0.7 < sum(len(name) == 3 for name in sample) / len(sample) < 0.9  # mostly two-character given names
    surnames = Counter(name[0] for name in sample)
    assert surnames["王"] > surnames["万"] and surnames["李"] > surnames["丁"]  # weighted by frequency
    assert len(surnames) > 50


def test_gender_must_be_given_in_chinese():
    with pytest.raises(ValueError):
        NameGenerator(1).person_name("M")
