"""Sealing, the blind index, masking and scrubbing of callers' personal data."""

from __future__ import annotations

import pytest

from services.common.pii import (
    Caller,
    Sealer,
    Unreadable,
    local_index_key,
    local_keys,
    masked,
    masked_name,
    new_key,
    scrub,
)


def test_a_sealed_caller_opens_to_the_same_name_and_number() -> None:
    sealer = Sealer(local_keys(), local_index_key())
    token = sealer.seal(Caller("张三", "13800001111"))
    assert "13800001111" not in token
    assert sealer.open(token) == Caller("张三", "13800001111")


def test_rotation_keeps_old_tokens_readable_and_reseals_under_the_new_key() -> None:
    old_key, new = new_key(), new_key()
    token = Sealer([old_key], "k").seal(Caller("李四", "13900002222"))
    rotated = Sealer([new, old_key], "k")
    fresh = rotated.reseal(token)
    assert rotated.open(token) == rotated.open(fresh) == Caller("李四", "13900002222")
    newest_only = Sealer([new], "k")
    assert newest_only.open(fresh).phone == "13900002222"
    with pytest.raises(Unreadable):
        newest_only.open(token)


def test_the_blind_index_matches_one_number_however_it_is_written() -> None:
    sealer = Sealer(local_keys(), local_index_key())
    ref = sealer.index("13800001111")
    assert ref == sealer.index("+86 138-0000-1111") == sealer.index("008613800001111")
    assert ref != sealer.index("13800001112")
    assert "13800001111" not in ref
    assert sealer.index("") == ""
    assert Sealer(local_keys(), "another key").index("13800001111") != ref


def test_masks_keep_only_what_identifies_nobody() -> None:
    assert masked("13800001111") == "138****1111"
    assert masked("12345") == "****"
    assert masked("") == ""
    assert masked_name("欧阳修") == "欧**"
    assert masked_name("张") == "张*"


def test_scrub_masks_numbers_inside_free_text_and_leaves_case_numbers() -> None:
    text = "家住3号楼，电话13800001111，座机010-12345678，工单20261201000123"
    out = scrub(text)
    assert "13800001111" not in out and "12345678" not in out
    assert "138****1111" in out
    assert "20261201000123" in out
