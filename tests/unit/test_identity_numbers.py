from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest import clock
from contest.people.identity import (
    birth_date_from_id,
    check_digit,
    gender_from_id,
    id_hash,
    make_id_number,
    mask_id,
    mask_phone,
    normalise_id_number,
    normalise_phone,
    validate_id_number,
    validate_phone,
)

# The worked example printed in GB 11643-1999 itself: an outside oracle for the checksum.
STANDARD_EXAMPLE = "11010519491231002X"

area_codes = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=clock.today())
seqs = st.integers(min_value=0, max_value=499)
genders = st.sampled_from(["男", "女"])


def number_ending_in_x() -> str:
    return next(
        number
        for seq in range(500)
        if (number := make_id_number("421202", date(1988, 6, 15), seq, "女")).endswith("X")
    )


def test_the_standards_example_is_valid():
    assert check_digit(STANDARD_EXAMPLE[:17]) == "X"
    assert validate_id_number(STANDARD_EXAMPLE) is None
    assert gender_from_id(STANDARD_EXAMPLE) == "女"
    assert birth_date_from_id(STANDARD_EXAMPLE) == date(1949, 12, 31)


def test_generated_numbers_are_valid():
    number = make_id_number("421202", date(1990, 1, 1), 3, "男")
    assert len(number) == 18
    assert number.startswith("42120219900101")
    assert validate_id_number(number) is None
    assert gender_from_id(number) == "男"


def test_lowercase_x_spaces_and_full_width_digits_are_accepted_and_normalised():
    number = number_ending_in_x()
    messy = " " + number[:6] + " " + number[6:14] + " " + number[14:].lower() + "\u202c "
    assert validate_id_number(messy) is None
    assert normalise_id_number(messy) == number
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in number)  # "４２１２…Ｘ"
    assert normalise_id_number(full_width) == number


def test_a_changed_check_digit_fails():
    number = make_id_number("421202", date(1990, 1, 1), 3, "男")
    wrong = "0" if number[17] != "0" else "1"
    assert validate_id_number(number[:17] + wrong) == "校验位错误，请核对是否输错"


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("", "应为18位"),
        ("42120219900101001", "应为18位"),
        ("4212021990010100123", "应为18位"),
        ("42120219900101A012", "前17位应为数字，最后一位为数字或X"),
        ("42120219900101001Y", "前17位应为数字，最后一位为数字或X"),
    ],
)
def test_malformed_numbers_fail(number, problem):
    assert validate_id_number(number) == problem


@pytest.mark.parametrize("birth", ["19900230", "19901301", "19900100", "18991231", "20990101"])
def test_a_bad_birth_date_fails_even_with_a_correct_check_digit(birth):
    first17 = "421202" + birth + "001"
    assert validate_id_number(first17 + check_digit(first17)) == "出生日期（第7至14位）无效"


def test_a_birth_date_after_today_fails():
    number = make_id_number("421202", date(2024, 5, 1), 0, "女")
    assert validate_id_number(number, today=date(2024, 5, 1)) is None
    assert validate_id_number(number, today=date(2024, 4, 30)) == "出生日期（第7至14位）无效"


def test_make_id_number_rejects_impossible_inputs():
    with pytest.raises(ValueError):
        make_id_number("42120", date(1990, 1, 1), 0, "男")
    with pytest.raises(ValueError):
        make_id_number("421202", date(1899, 12, 31), 0, "男")
    with pytest.raises(ValueError):
        make_id_number("421202", date(1990, 1, 1), 500, "男")
    with pytest.raises(ValueError):
        make_id_number("421202", date(1990, 1, 1), 0, "M")


def test_mask_id_keeps_first_and_last_four():
    number = number_ending_in_x()
    masked = mask_id(number.lower())
    assert masked == number[:4] + "**********" + number[-4:]
    assert len(masked) == 18 and masked.endswith("X")


def test_id_hash_is_keyed_and_ignores_formatting():
    number = number_ending_in_x()
    assert id_hash(number, b"k1") == id_hash(" " + number.lower(), b"k1")
    assert id_hash(number, b"k1") != id_hash(number, b"k2")
    assert len(id_hash(number, b"k1")) == 64 and number not in id_hash(number, b"k1")
    with pytest.raises(ValueError):
        id_hash(number, b"")


@given(area_codes, birth_dates, seqs, genders)
def test_every_generated_number_validates_and_keeps_gender_and_birth(area, birth, seq, gender):
    number = make_id_number(area, birth, seq, gender)
    assert validate_id_number(number) is None
    assert gender_from_id(number) == gender
    assert birth_date_from_id(number) == birth


@given(area_codes, birth_dates, seqs, genders, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(area, birth, seq, gender, position, shift):
    number = make_id_number(area, birth, seq, gender)
    changed_digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + changed_digit + number[position + 1 :]
    assert validate_id_number(changed) is not None


@pytest.mark.parametrize(
    "phone", ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "１３８００１３８０００"]
)
def test_valid_phones_in_common_spellings(phone):
    assert validate_phone(phone) is None
    assert normalise_phone(phone) == "13800138000"
    assert mask_phone(phone) == "138****8000"


@pytest.mark.parametrize("phone", ["", "1380013800", "138001380001", "12800138000", "23800138000", "1380013800a"])
def test_invalid_phones(phone):
    assert validate_phone(phone) == "手机号应为11位数字，以13至19开头"
