from datetime import UTC, datetime, timedelta

from services.common.pii import Sealer, local_index_key, local_keys
from services.intake.domain.repeats import Matter, OpenCase, find_repeat, same_matter, similarity

SEALER = Sealer(local_keys(), local_index_key())
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def call(
    content: str,
    *,
    phone: str = "13800138000",
    address: str | None = "柳岸路",
    grid: str | None = None,
    days: float = 1,
    title: str | None = None,
) -> Matter:
    return Matter(
        caller_ref=SEALER.index(phone),
        title=title,
        content=content,
        address=address,
        grid_code=grid,
        received_at=T0 + timedelta(days=days),
    )


def case(case_no: str, content: str, **kw: object) -> OpenCase:
    m = call(content, days=0, **kw)  # type: ignore[arg-type]
    return OpenCase(
        case_no=case_no,
        caller_ref=m.caller_ref,
        title=m.title,
        content=m.content,
        address=m.address,
        grid_code=m.grid_code,
        received_at=m.received_at,
    )


LAMP = "柳岸路路灯坏了三天了，晚上很黑"


def test_retold_matter_at_the_same_place_is_a_repeat() -> None:
    old = case("20261120000001", LAMP)
    assert same_matter(call("柳岸路的路灯还是不亮，坏了好几天了", address="柳岸路口"), old)


def test_another_matter_at_the_same_place_is_not_a_repeat() -> None:
    old = case("20261120000001", LAMP)
    assert not same_matter(call("柳岸路垃圾桶满了两天没人清运"), old)


def test_another_caller_is_never_a_repeat() -> None:
    old = case("20261120000001", LAMP)
    assert not same_matter(call(LAMP, phone="13900000000"), old)


def test_anonymous_caller_is_never_a_repeat() -> None:
    old = case("20261120000001", LAMP)
    new = Matter(
        caller_ref=None,
        title=None,
        content=LAMP,
        address="柳岸路",
        grid_code=None,
        received_at=T0,
    )
    assert not same_matter(new, old)


def test_after_seven_days_it_is_a_new_case() -> None:
    old = case("20261120000001", LAMP)
    assert same_matter(call(LAMP, days=6.9), old)
    assert not same_matter(call(LAMP, days=7.1), old)


def test_different_grids_are_different_matters_whatever_the_words() -> None:
    old = case("20261120000001", LAMP, grid="G-01")
    assert not same_matter(call(LAMP, grid="G-02"), old)
    assert same_matter(call(LAMP, grid="g-01"), old)


def test_without_a_place_only_near_identical_wording_counts() -> None:
    old = case("20261120000001", LAMP, address=None)
    assert same_matter(call("柳岸路路灯坏了三天了，晚上很黑！", address=None), old)
    assert not same_matter(call("柳岸路的路灯还是不亮", address=None), old)


def test_find_repeat_picks_the_most_similar_open_case() -> None:
    lamp = case("20261120000001", LAMP)
    rubbish = case("20261120000002", "柳岸路垃圾桶满了两天没人清运")
    assert find_repeat(call("柳岸路垃圾没人清运，桶都满了"), [lamp, rubbish]) == rubbish
    assert find_repeat(call("楼上邻居装修噪音太大"), [lamp, rubbish]) is None


def test_similarity_ignores_width_punctuation_and_fillers() -> None:
    assert similarity("路灯坏了！请尽快处理", "路灯坏了") == 1.0
    assert similarity("ＡＢＣ路灯", "abc 路灯") == 1.0
    assert similarity("", "路灯") == 0.0
