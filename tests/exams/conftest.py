"""A question bank to test with (the import template's rows), a blueprint, and a running contest
whose theory stage a test can mark."""
from __future__ import annotations

import io

import openpyxl

from contest.exams.importers import COLUMNS
from tests.builders import Contest, make_contest

KNOWLEDGE = ("食品安全", "刀工技术", "烹调方法", "原料知识", "营养卫生")
DIFFICULTY = ("易", "中", "难")
# 200 questions: 80 single, 40 multiple, 40 true/false, 40 fill-in (every fourth fill-in marked by people)
KIND_OF = ["单选题"] * 80 + ["多选题"] * 40 + ["判断题"] * 40 + ["填空题"] * 40


def question_row(i: int) -> list[str]:
    """Question i of the generated bank, in the import template's columns."""
    kind, knowledge, difficulty = KIND_OF[i % 200], KNOWLEDGE[i % 5], DIFFICULTY[i % 3]
    stem = f"第{i + 1}题：关于{knowledge}，下列说法正确的是（  ）"
    options, answer, manual = [""] * 6, "", ""
    if kind == "单选题":
        options[:4] = [f"说法{i}甲", f"说法{i}乙", f"说法{i}丙", f"说法{i}丁"]
        answer = "ABCD"[i % 4]
    elif kind == "多选题":
        options[:5] = [f"做法{i}一", f"做法{i}二", f"做法{i}三", f"做法{i}四", f"做法{i}五"]
        answer = ["AB", "ACD", "BCE", "ABDE"][i % 4]
    elif kind == "判断题":
        stem = f"第{i + 1}题：{knowledge}中，第{i}条规定应当执行。"
        answer = "对" if i % 2 else "错"
    else:
        stem = f"第{i + 1}题：{knowledge}的要点是（  ）。"
        answer = f"要点{i}|要点{i}号"
        manual = "是" if i % 4 == 0 else ""
    return [kind, stem, *options, answer, "2", difficulty, knowledge, "《中式烹调师国家职业技能标准》",
            f"第{i + 1}题的解析：依据{knowledge}的规定。", manual]


def bank_file(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# A 100-point paper of 20 questions over the generated bank.
BLUEPRINT = [
    {"kind": "single", "difficulty": "easy", "knowledge": "", "count": "4", "points": "4"},
    {"kind": "single", "difficulty": "", "knowledge": "", "count": "4", "points": "4"},
    {"kind": "multiple", "difficulty": "", "knowledge": "", "count": "4", "points": "5"},
    {"kind": "truefalse", "difficulty": "", "knowledge": "食品安全", "count": "4", "points": "3"},
    {"kind": "fill", "difficulty": "", "knowledge": "", "count": "4", "points": "9"},
]


async def theory_contest(session, contestants: int = 6, judges: int = 2) -> Contest:
    """A running contest whose theory stage has no panel: a test on the platform marks it."""
    return await make_contest(session, contestants, judges, theory_panel=False)
