"""Deterministic, realistic Chinese personal names for the demo data.

Names are composed from a frequency-weighted surname list and given-name characters chosen by
gender and by position (王建华: 建 is a typical first character, 华 a typical second one), so the
seeds need no hand-typed list of full names. The same seed always yields the same names.
"""

import random
from itertools import accumulate

# Common surnames with rough frequencies in hundredths of a percent of the population.
_SURNAMES = (
    ("王", 712), ("李", 700), ("张", 640), ("刘", 540), ("陈", 460), ("杨", 310), ("黄", 240),
    ("赵", 230), ("吴", 210), ("周", 210), ("徐", 170), ("孙", 160), ("马", 150), ("朱", 140),
    ("胡", 130), ("郭", 120), ("何", 120), ("高", 120), ("林", 120), ("罗", 110), ("郑", 110),
    ("梁", 100), ("谢", 90), ("宋", 80), ("唐", 80), ("许", 80), ("韩", 80), ("冯", 70),
    ("邓", 70), ("曹", 70), ("彭", 70), ("曾", 60), ("肖", 60), ("田", 60), ("董", 50),
    ("袁", 50), ("潘", 50), ("于", 50), ("蒋", 50), ("蔡", 50), ("余", 50), ("杜", 50),
    ("叶", 40), ("程", 40), ("苏", 40), ("魏", 40), ("吕", 40), ("丁", 40), ("任", 40),
    ("沈", 30), ("姚", 30), ("卢", 30), ("姜", 30), ("崔", 30), ("钟", 30), ("谭", 30),
    ("陆", 30), ("汪", 30), ("范", 30), ("金", 30), ("石", 30), ("廖", 30), ("贾", 30),
    ("夏", 20), ("熊", 20), ("方", 20), ("邹", 20), ("万", 20),
)  # fmt: skip

# Given-name characters by gender: (first of two, second of two, single-character names).
_GIVEN = {
    "男": (
        "建志国文德永海明俊家振小晓天宏子浩宇立春金世新伟长庆学红少思向",
        "华强明军平伟勇杰涛斌林东峰刚辉波鹏超龙飞成亮良生民文武祥荣锋磊",
        "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳亮成",
    ),
    "女": (
        "秀丽美玉春晓雪桂金翠红海淑佳雅思欣梦婉慧静文小月彩凤素艳丹诗",
        "英兰芳娟敏燕霞华梅琴珍玲萍红莉婷娜丽婕琳倩颖洁雯琪怡瑶欣雪云萱",
        "芳娜敏静丽艳娟霞燕玲萍红琳颖倩洁婷雪慧莉丹晶琴云露梅兰莹瑶",
    ),
}
_TWO_CHARACTER_SHARE = 0.8  # most given names today have two characters


class NameGenerator:
    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._surnames = [surname for surname, _ in _SURNAMES]
        self._cumulative = list(accumulate(weight for _, weight in _SURNAMES))

    def surname(self) -> str:
        return self._random.choices(self._surnames, cum_weights=self._cumulative)[0]

    def given_name(self, gender: str, surname: str = "") -> str:
        if gender not in _GIVEN:
            raise ValueError(f"gender must be 男 or 女: {gender!r}")
        firsts, seconds, singles = _GIVEN[gender]
        if self._random.random() >= _TWO_CHARACTER_SHARE:
            return self._pick(singles, avoid=surname)
        first = self._pick(firsts, avoid=surname)
        return first + self._pick(seconds, avoid=surname + first)

    def person_name(self, gender: str) -> str:
        surname = self.surname()
        return surname + self.given_name(gender, surname)

    def _pick(self, characters: str, avoid: str) -> str:
        # No repeated character (林林, 建建): such names exist but read as typos in demo data.
        return self._random.choice([ch for ch in characters if ch not in avoid])
