"""Chinese resident ID numbers (GB 11643-1999) and mainland mobile phone numbers.

Problem messages are in Chinese because they are shown to the union office clerk.
The platform keeps only a keyed hash and a masked form of these numbers (see DESIGN.md).
"""

import hashlib
import hmac
import re
import unicodedata
from datetime import date

from contest import clock

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_PHONE_SHAPE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_SEPARATORS = re.compile(r"[-()]")
_INVISIBLE = re.compile(r"[\s\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def _plain(s: str) -> str:
    # Clerks type with full-width input methods ("４２１２…Ｘ") and paste from chat apps and PDFs,
    # which leave invisible marks (U+202D, U+200B…): read both as the plain number.
    if s.isascii() and s.isalnum():  # the usual case, and the import checks it 10,000 times
        return s
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", s))


# --- ID numbers -------------------------------------------------------------------------------------


def normalise_id_number(s: str) -> str:
    return _plain(s).upper()


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_id_number(s: str, today: date | None = None) -> str | None:
    """Return a problem message, or None when the number is valid. The message leaves out the
    field's name ("校验位错误…"): each place shows it after its own label (身份证号, 领衔人身份证号)."""
    number = normalise_id_number(s)
    if len(number) != 18:
        return "应为18位"
    if not _ID_SHAPE.fullmatch(number):
        return "前17位应为数字，最后一位为数字或X"
    born = _birth_date(number)
    if born is None or born.year < 1900 or born > (today or clock.today()):
        return "出生日期（第7至14位）无效"
    if number[17] != check_digit(number[:17]):
        return "校验位错误，请核对是否输错"
    return None


def gender_from_id(id_number: str) -> str:
    """The 17th digit is odd for men and even for women."""
    return "男" if int(normalise_id_number(id_number)[16]) % 2 else "女"


def birth_date_from_id(id_number: str) -> date:
    born = _birth_date(normalise_id_number(id_number))
    if born is None:
        raise ValueError("no valid birth date in the ID number")
    return born


def _keyed_hash(text: str, key: bytes) -> str:
    # Keyed, because a plain hash of an 18-digit number with a date inside is easy to brute-force.
    if not key:
        raise ValueError("a non-empty key is required")
    return hmac.digest(key, text.encode(), hashlib.sha256).hex()


def id_hash(id_number: str, key: bytes) -> str:
    return _keyed_hash(normalise_id_number(id_number), key)


def mask_id(id_number: str) -> str:
    number = normalise_id_number(id_number)
    return number[:4] + "*" * 10 + number[-4:]


def make_id_number(area_code: str, birth: date, seq: int, gender: str) -> str:
    """Build a valid number: the seq-th person (0..499) of that gender born that day in that area."""
    if not re.fullmatch(r"[1-9][0-9]{5}", area_code):
        raise ValueError(f"area code must be 6 digits: {area_code!r}")
    if birth.year < 1900 or birth > clock.today():
        raise ValueError(f"birth date out of range: {birth}")
    if not 0 <= seq < 500:
        raise ValueError(f"seq must be in 0..499: {seq}")
    if gender not in ("男", "女"):
        raise ValueError(f"gender must be 男 or 女: {gender!r}")
    order = 2 * seq + (1 if gender == "男" else 0)
    first17 = f"{area_code}{birth:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)


# --- Mobile phones ----------------------------------------------------------------------------------


def normalise_phone(s: str) -> str:
    phone = _PHONE_SEPARATORS.sub("", _plain(s))
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            return phone[len(prefix) :]
    return phone


def validate_phone(s: str) -> str | None:
    """Return a problem message, or None for a mainland mobile number."""
    if not _PHONE_SHAPE.fullmatch(normalise_phone(s)):
        return "手机号应为11位数字，以13至19开头"
    return None


def phone_hash(phone: str, key: bytes) -> str:
    return _keyed_hash(normalise_phone(phone), key)


def mask_phone(phone: str) -> str:
    number = normalise_phone(phone)
    return number[:3] + "****" + number[-4:]
