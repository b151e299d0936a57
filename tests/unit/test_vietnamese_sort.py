"""Vietnamese alphabetical order without ICU: the alphabet first, tones second, case last."""

from __future__ import annotations

from lmis_reporting.domain.collation import vietnamese_sort_key
from lmis_reporting.domain.units import proper_name, unit_sort_key


def ordered(*names: str) -> list[str]:
    return sorted(names, key=vietnamese_sort_key)


def test_d_with_stroke_is_a_letter_between_d_and_e() -> None:
    assert ordered("Ea Súp", "Đắk Lắk", "Dur Kmăl", "Gia Lai") == [
        "Dur Kmăl",
        "Đắk Lắk",
        "Ea Súp",
        "Gia Lai",
    ]


def test_breve_circumflex_and_horn_make_letters_of_their_own() -> None:
    assert ordered("Ba", "Bâ", "Bă", "Bb") == ["Ba", "Bă", "Bâ", "Bb"]
    assert ordered("Ơn", "On", "Ôn", "Pa") == ["On", "Ôn", "Ơn", "Pa"]
    assert ordered("Ưng", "Uông", "Vân") == ["Uông", "Ưng", "Vân"]


def test_tones_only_break_ties_in_the_order_ngang_huyen_hoi_nga_sac_nang() -> None:
    assert ordered("mạ", "má", "mã", "mả", "mà", "ma") == ["ma", "mà", "mả", "mã", "má", "mạ"]
    # the letters decide before any tone does
    assert ordered("Bàn", "Ban", "Bam") == ["Bam", "Ban", "Bàn"]


def test_the_same_text_in_nfd_sorts_as_in_nfc() -> None:
    assert vietnamese_sort_key("Mường Tè") == vietnamese_sort_key(
        "Mu\u031bo\u031b\u0300ng Te\u0300"
    )


def test_numbers_compare_as_numbers() -> None:
    assert ordered("Phường 10", "Phường 2", "Phường 1") == ["Phường 1", "Phường 2", "Phường 10"]


def test_lower_case_comes_before_upper_case_of_the_same_word() -> None:
    assert ordered("Lai", "lai") == ["lai", "Lai"]


def test_units_sort_by_their_proper_name_not_by_their_kind() -> None:
    names = ["Thành phố Đà Nẵng", "Cao Bằng", "Tỉnh Điện Biên", "Hưng Yên", "Đồng Tháp"]

    assert sorted(names, key=unit_sort_key) == [
        "Cao Bằng",
        "Thành phố Đà Nẵng",
        "Tỉnh Điện Biên",
        "Đồng Tháp",
        "Hưng Yên",
    ]


def test_a_doubled_space_in_the_official_list_does_not_move_a_unit() -> None:
    assert sorted(["Phường Bình Kiến", "Phường  Buôn Ma Thuột"], key=unit_sort_key) == [
        "Phường Bình Kiến",
        "Phường  Buôn Ma Thuột",
    ]


def test_proper_name_drops_the_kind_of_unit() -> None:
    assert proper_name("Thị trấn Tam Đường") == "Tam Đường"
    assert proper_name("Xã Mường Kim") == "Mường Kim"
    assert proper_name("Lai Châu") == "Lai Châu"
