"""Questions as people type them (a form, a spreadsheet row), checked into one shape; how an answer
is written, read and marked. Pure functions: no database."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from contest.exams.models import DIFFICULTIES, FALSE, KINDS, TRUE

LETTERS = "ABCDEF"
MAX_POINTS = Decimal(100)
STEM_MAX, OPTION_MAX, ANSWER_MAX, EXPLANATION_MAX = 2000, 200, 100, 2000
KNOWLEDGE_MAX, SOURCE_MAX = 60, 120

# What people write for a kind, a difficulty, true and false (squeezed: no spaces, half-width).
_KIND_WORDS = {word: kind for kind, label in KINDS.items() for word in (kind, label, label[:2], label[:2] + "题")} | {
    "判断对错": "truefalse", "是非题": "truefalse"}
_DIFFICULTY_WORDS = {word: key for key, label in DIFFICULTIES.items() for word in (key, label)} | {
    "容易": "easy", "简单": "easy", "较易": "easy", "中等": "medium", "一般": "medium", "较难": "hard", "困难": "hard"}
_TRUE_WORDS = {TRUE, "正确", "√", "✓", "T", "TRUE", "是", "Y"}
_FALSE_WORDS = {FALSE, "错误", "×", "✗", "X", "F", "FALSE", "否", "N"}
_YES, _NO = {"是", "Y", "YES", "1", "TRUE", "ON", "人工"}, {"", "否", "N", "NO", "0", "FALSE", "OFF"}
_LETTER_SEPARATORS = re.compile(r"[\s,，、;；/]+")
_ALTERNATIVES = re.compile(r"[|｜]")


def plain(value: Decimal) -> str:
    """3.00 → "3", 2.50 → "2.5": points as people write them."""
    return format(value.normalize(), "f")


def squeeze(text: str) -> str:
    """Half-width, no white space: how typed words and answers are compared."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class QuestionInput:
    """A question as typed: every field text, options A first (blank ones allowed at the end)."""

    kind: str
    stem: str
    options: Sequence[str] = ()
    answer: str = ""
    points: str = ""
    difficulty: str = ""
    knowledge: str = ""
    source: str = ""
    explanation: str = ""
    manual: str = ""


@dataclass(frozen=True)
class CheckedQuestion:
    kind: str
    stem: str
    options: list[str]
    answer: list[str]
    manual: bool
    points: Decimal
    difficulty: str
    knowledge: str
    source: str
    explanation: str
    dedupe: str = field(compare=False, default="")  # the kind and stem as compared for duplicates


Problems = list[tuple[str, str]]  # (field, problem), fields named as in QuestionInput


def check_question(data: QuestionInput) -> tuple[CheckedQuestion | None, Problems]:
    """The question in its stored shape, or every problem found, each naming its field."""
    problems: Problems = []
    kind = _KIND_WORDS.get(squeeze(data.kind).lower())
    if kind is None:
        problems.append(("kind", f"题型“{data.kind}”无法识别，应为单选题、多选题、判断题或填空题"))
    stem = data.stem.strip()
    if not stem:
        problems.append(("stem", "题干不能为空"))
    elif len(stem) > STEM_MAX:
        problems.append(("stem", f"题干不能超过{STEM_MAX}个字"))
    options = _options(kind, data.options, problems)
    answer = _answer(kind, data.answer, len(options), problems) if kind else []
    manual = _manual(kind, data.manual, problems)
    points = parse_points(data.points, problems)
    difficulty = _DIFFICULTY_WORDS.get(squeeze(data.difficulty).lower())
    if difficulty is None:
        problems.append(("difficulty", f"难度“{data.difficulty}”无法识别，应为易、中或难"))
    for name, limit, label in (("knowledge", KNOWLEDGE_MAX, "知识点"), ("source", SOURCE_MAX, "出处"),
                               ("explanation", EXPLANATION_MAX, "解析")):
        if len(getattr(data, name).strip()) > limit:
            problems.append((name, f"{label}不能超过{limit}个字"))
    if problems:
        return None, problems
    return CheckedQuestion(kind, stem, options, answer, manual, points, difficulty, data.knowledge.strip(),
                           data.source.strip(), data.explanation.strip(), f"{kind}:{squeeze(stem)}"), []


def _options(kind: str | None, given: Sequence[str], problems: Problems) -> list[str]:
    texts = [o.strip() for o in given]
    while texts and not texts[-1]:
        texts.pop()
    if kind in ("truefalse", "fill"):
        if texts:
            problems.append(("options", f"{KINDS[kind]}不填选项"))
        return []
    if kind is None:
        return texts
    if len(texts) < 2:
        problems.append(("options", "选择题至少要有A、B两个选项"))
    elif "" in texts:
        problems.append(("options", f"选项{LETTERS[texts.index('')]}为空，选项应从A起连续填写"))
    elif len(set(map(squeeze, texts))) < len(texts):
        problems.append(("options", "有两个选项内容相同"))
    elif any(len(t) > OPTION_MAX for t in texts):
        problems.append(("options", f"每个选项不能超过{OPTION_MAX}个字"))
    return texts


def _answer(kind: str, text: str, option_count: int, problems: Problems) -> list[str]:
    word = squeeze(text).upper()
    if not word:
        problems.append(("answer", "答案不能为空"))
        return []
    if kind == "truefalse":
        if word in _TRUE_WORDS or word in _FALSE_WORDS:
            return [TRUE if word in _TRUE_WORDS else FALSE]
        problems.append(("answer", f"判断题答案应为“{TRUE}”或“{FALSE}”，收到“{text.strip()}”"))
        return []
    if kind == "fill":
        accepted = [a.strip() for a in _ALTERNATIVES.split(text) if a.strip()]
        if any(len(a) > ANSWER_MAX for a in accepted):
            problems.append(("answer", f"每个参考答案不能超过{ANSWER_MAX}个字"))
        return list(dict.fromkeys(accepted))
    letters = "".join(_LETTER_SEPARATORS.split(word))
    allowed = LETTERS[:option_count]
    if not letters or any(ch not in LETTERS for ch in letters):
        problems.append(("answer", f"选择题答案应为选项字母，如 A 或 ACD，收到“{text.strip()}”"))
        return []
    if option_count and any(ch not in allowed for ch in letters):
        problems.append(("answer", f"答案“{letters}”超出了已填的选项（{allowed[0]}–{allowed[-1]}）"))
        return []
    chosen = sorted(set(letters))
    if kind == "single" and len(chosen) != 1:
        problems.append(("answer", "单选题只能有一个答案"))
    if kind == "multiple" and len(chosen) < 2:
        problems.append(("answer", "多选题至少有两个正确选项"))
    return chosen


def _manual(kind: str | None, text: str, problems: Problems) -> bool:
    word = squeeze(text).upper()
    if word in _YES:
        if kind not in ("fill", None):
            problems.append(("manual", "只有填空题可以设为人工阅卷"))
        return True
    if word not in _NO:
        problems.append(("manual", "人工阅卷应填“是”或“否”"))
    return False


def parse_points(text: str, problems: Problems, name: str = "points", label: str = "分值") -> Decimal:
    try:
        points = Decimal(squeeze(str(text)))
    except InvalidOperation:
        points = None
    if points is None or not points.is_finite():
        problems.append((name, f"{label}应为数字，收到“{text}”" if str(text).strip() else f"{label}不能为空"))
        return Decimal(0)
    if not 0 < points <= MAX_POINTS:
        problems.append((name, f"{label}应大于0且不超过{MAX_POINTS}"))
    elif points.as_tuple().exponent < -2:
        problems.append((name, f"{label}最多保留2位小数"))
    return points


# --- answers ----------------------------------------------------------------------------------------


def normalise_response(kind: str, option_count: int, response: str) -> str:
    """An answer as stored, or ValueError with a message for the contestant: letters of the
    question's own options in order ("ACD"), 对/错, or the text of a fill-in (blank: no answer)."""
    if kind == "fill":
        text = response.strip()
        if len(text) > ANSWER_MAX * 2:
            raise ValueError(f"答案不能超过{ANSWER_MAX * 2}个字")
        return text
    word = squeeze(response).upper()
    if not word:
        return ""
    if kind == "truefalse":
        if word not in (TRUE, FALSE):
            raise ValueError(f"判断题只能答“{TRUE}”或“{FALSE}”")
        return word
    letters = sorted(set(word))
    if any(ch not in LETTERS[:option_count] for ch in letters) or (kind == "single" and len(letters) > 1):
        raise ValueError("所选选项无效")
    return "".join(letters)


@dataclass(frozen=True)
class Key:
    """What marking a question needs."""

    kind: str
    answer: Sequence[str]
    manual: bool


def mark(key: Key, response: str, points: Decimal) -> Decimal | None:
    """The points an answer earns; None when only a person can say (a fill-in answer of a manual
    question that is not among the listed answers). A multiple choice earns its points only when
    every right option and no other is chosen."""
    if not response:
        return Decimal(0)
    if key.kind == "fill":
        if squeeze(response).casefold() in {squeeze(a).casefold() for a in key.answer}:
            return points
        return None if key.manual else Decimal(0)
    return points if response == "".join(key.answer) else Decimal(0)


def shown(response: str, kind: str, option_order: Sequence[int]) -> str:
    """An answer in the letters the contestant saw (options are shuffled per paper)."""
    if kind not in ("single", "multiple"):
        return response
    place = {LETTERS[original]: LETTERS[i] for i, original in enumerate(option_order)}
    return "".join(sorted(place.get(ch, ch) for ch in response))


def answer_text(kind: str, answer: Sequence[str]) -> str:
    return " | ".join(answer) if kind == "fill" else "".join(answer)
