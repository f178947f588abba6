"""The question import file (题库导入表): its template, and checking its rows into questions.
Reading the file and reporting its rows are the platform's one way (contest.tables)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contest import tables
from contest.errors import InputError
from contest.exams.models import DIFFICULTIES, FALSE, KINDS, TRUE
from contest.exams.questions import LETTERS, CheckedQuestion, QuestionInput, check_question
from contest.tables import ImportReport, RawRow, RowProblem

OPTIONS = tuple(f"选项{letter}" for letter in LETTERS)
KIND, STEM, ANSWER, POINTS, DIFFICULTY, KNOWLEDGE, SOURCE, EXPLANATION, MANUAL = (
    "题型", "题干", "答案", "分值", "难度", "知识点", "出处", "解析", "人工阅卷")
COLUMNS = (KIND, STEM, *OPTIONS, ANSWER, POINTS, DIFFICULTY, KNOWLEDGE, SOURCE, EXPLANATION, MANUAL)
LAYOUT = tables.Layout(COLUMNS, (KIND, STEM, ANSWER, POINTS, DIFFICULTY),
                       {"题目": STEM, "试题": STEM, "正确答案": ANSWER, "参考答案": ANSWER, "分数": POINTS,
                        "难易程度": DIFFICULTY, "难度系数": DIFFICULTY, "考点": KNOWLEDGE, "答案解析": EXPLANATION,
                        "题目来源": SOURCE})
# A problem's field (as check_question names it) -> the column it is in.
_COLUMN_OF = {"kind": KIND, "stem": STEM, "options": OPTIONS[0], "answer": ANSWER, "points": POINTS,
              "difficulty": DIFFICULTY, "knowledge": KNOWLEDGE, "source": SOURCE, "explanation": EXPLANATION,
              "manual": MANUAL}

__all__ = ["ImportReport", "QuestionCheck", "check_rows", "read_questions", "template"]


def template() -> bytes:
    kinds = "、".join(KINDS.values())
    return tables.write_template(tables.Template(
        title="题库", layout=LAYOUT,
        help={KIND: f"填：{kinds}（也可写单选、多选、判断、填空）",
              STEM: "题目内容；填空题用“（  ）”或“____”标出空位",
              **{o: "单选题、多选题从选项A起连续填写，至少两项，最多六项；判断题、填空题不填" for o in OPTIONS},
              ANSWER: f"单选题填一个字母，如 B；多选题填全部正确选项，如 ACD；判断题填“{TRUE}”或“{FALSE}”；"
                      "填空题填参考答案，几种写法都对时用竖线 | 分开，如 油温|油的温度",
              POINTS: "本题分值（练习和答题活动按此计分；理论考试按组卷规则计分），大于0，最多两位小数",
              DIFFICULTY: f"填：{'、'.join(DIFFICULTIES.values())}",
              KNOWLEDGE: "知识点，如 食品安全、刀工；组卷时可按知识点抽题",
              SOURCE: "出处，如《中式烹调师国家职业技能标准》",
              EXPLANATION: "解析：练习时答题后显示",
              MANUAL: "仅填空题：填“是”时，与参考答案不一致的作答交两名阅卷员人工评分；不填即为否"},
        widths={STEM: 48, ANSWER: 16, EXPLANATION: 40, **{o: 18 for o in OPTIONS}},
        text_columns=(ANSWER,),
        dropdowns={KIND: tuple(KINDS.values()), DIFFICULTY: tuple(DIFFICULTIES.values()), MANUAL: ("是", "否")}))


def read_questions(filename: str, data: bytes) -> list[RawRow]:
    try:
        rows = tables.read_table(filename, data, LAYOUT)
    except tables.ImportFileError as exc:
        raise InputError(str(exc), "file") from exc
    if not rows:
        raise InputError("文件中没有题目数据行", "file")
    return rows


@dataclass(frozen=True)
class QuestionCheck:
    good: list[tuple[int, CheckedQuestion]]  # (row, question)
    problems: list[RowProblem]


def check_rows(rows: Sequence[RawRow], in_bank: dict[str, str]) -> QuestionCheck:
    """Every problem of every row; a question already in the bank (by kind and stem: -> its code)
    or twice in the file is a problem of its row."""
    good, problems = [], []
    first_row: dict[str, int] = {}
    for raw in rows:
        cell = raw.cells.get
        question, found = check_question(QuestionInput(
            kind=cell(KIND, ""), stem=cell(STEM, ""), options=[cell(o, "") for o in OPTIONS],
            answer=cell(ANSWER, ""), points=cell(POINTS, ""), difficulty=cell(DIFFICULTY, ""),
            knowledge=cell(KNOWLEDGE, ""), source=cell(SOURCE, ""), explanation=cell(EXPLANATION, ""),
            manual=cell(MANUAL, "")))
        row_problems = [RowProblem(raw.row, _COLUMN_OF[name], problem) for name, problem in found]
        if question is not None:
            if question.dedupe in in_bank:
                taken = in_bank[question.dedupe]
                row_problems.append(RowProblem(raw.row, STEM, f"题库中已有相同的题目（题号 {taken}）"))
            elif first_row.setdefault(question.dedupe, raw.row) != raw.row:
                row_problems.append(RowProblem(raw.row, STEM, f"与第{first_row[question.dedupe]}行是同一道题"))
        problems += row_problems
        if question is not None and not row_problems:
            good.append((raw.row, question))
    return QuestionCheck(good, problems)
