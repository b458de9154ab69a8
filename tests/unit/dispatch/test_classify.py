from pathlib import Path

import pytest

from services.dispatch.domain import TOPICS, CaseText, Classifier, Difficulty, LexiconError


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.from_file()


def test_broken_streetlight_is_a_simple_urban_matter(classifier: Classifier) -> None:
    result = classifier.classify(CaseText(title="小区路灯坏了三天", content="小区路灯坏了三天"))

    assert result.topic == "城乡建设"
    assert result.difficulty is Difficulty.SIMPLE
    assert not result.urgent
    assert not result.major
    assert any(r.startswith("主题「城乡建设」：命中") and "路灯" in r for r in result.reasons)


@pytest.mark.parametrize(
    ("title", "content", "topic"),
    [
        (
            "公司拖欠工资",
            "我在一家公司上班，老板拖欠工资两个月，也没有签劳动合同。",
            "劳动和社会保障",
        ),
        ("孩子转学难", "孩子今年要转学到附近的小学，学校说没有学位，不给办理入学。", "教育文体"),
        ("出租车拒载", "昨晚在火车站打出租车，司机拒载还要求不打表。", "交通运输"),
        ("工厂排放废气", "厂里每天晚上偷排废气，刺鼻的臭味让附近居民无法开窗。", "环境保护"),
        ("诊所无证行医", "村口有个诊所没有资质，医生无证行医给病人打针。", "卫生计生"),
        ("超市卖过期商品", "在超市买的商品过了保质期，商家拒绝退货，消费者权益受损。", "商贸旅游"),
        ("低保申请", "家里老人生病，生活困难，想申请低保，不知道找民政哪个窗口。", "民政"),
        ("电动车被盗", "昨晚停在楼下的电动车被盗，已经报警，派出所一直没有消息。", "政法"),
        ("手机信号差", "家里手机信号差，宽带网速也很慢，联系运营商没有解决。", "科技与信息产业"),
        ("村干部贪污", "村干部利用职务之便截留补助款，中饱私囊，请纪委调查。", "纪检监察"),
        ("土地被占", "村里的耕地被企业非法占地建厂，征地补偿也没有到位。", "国土资源"),
        ("生猪补贴", "我们养殖户的生猪扑杀补偿还没发，动物防疫站说要等。", "农村农业"),
    ],
)
def test_topics_follow_the_lexicon(
    classifier: Classifier, title: str, content: str, topic: str
) -> None:
    assert classifier.classify(CaseText(title=title, content=content)).topic == topic


def test_legacy_cues_make_an_account_legacy(classifier: Classifier) -> None:
    content = "交房8年了还没有房产证，开发商和房管部门互相推给对方。" * 6 + "多次反映一直没有解决。"

    result = classifier.classify(CaseText(title="房产证办不下来", content=content))

    assert result.difficulty is Difficulty.LEGACY
    assert any("多次反映" in r for r in result.reasons)


def test_wage_arrears_for_many_workers_is_complex(classifier: Classifier) -> None:
    content = "工地拖欠30名农民工工资三个月，老板不见人，总包和分包互相推诿。" * 12

    assert classifier.classify(CaseText("工地拖欠工资", content)).difficulty is Difficulty.COMPLEX


def test_a_cue_in_a_few_words_does_not_outweigh_a_short_account(classifier: Classifier) -> None:
    case = CaseText(title="工地拖欠工资", content="工地拖欠30名农民工工资三个月，老板不见人。")

    result = classifier.classify(case)

    assert result.difficulty is Difficulty.GENERAL
    assert any("需多方协调" in r and "描述简短" in r for r in result.reasons)


def test_long_description_with_a_simple_cue_is_general(classifier: Classifier) -> None:
    case = CaseText(title="路灯", content="路灯" + "情况说明。" * 60)

    assert classifier.classify(case).difficulty is Difficulty.GENERAL


def test_urgency_comes_from_cues_or_the_intake_flag(classifier: Classifier) -> None:
    leak = classifier.classify(CaseText(title="闻到煤气味", content="楼道里燃气泄漏，味道很重"))
    flagged = classifier.classify(CaseText(title="路灯", content="路灯不亮", urgent=True))
    calm = classifier.classify(CaseText(title="路灯", content="路灯不亮"))

    assert leak.urgent and any("燃气泄漏" in r for r in leak.reasons)
    assert flagged.urgent and "紧急：受理时标记为紧急" in flagged.reasons
    assert not calm.urgent


def test_major_cases_are_flagged(classifier: Classifier) -> None:
    case = CaseText(title="征地补偿", content="三百余户村民因征地补偿问题准备集体上访。")

    result = classifier.classify(case)

    assert result.major
    assert any(r.startswith("重大疑难：命中") for r in result.reasons)


def test_confidence_is_high_for_a_clear_case_and_zero_without_evidence(
    classifier: Classifier,
) -> None:
    clear = classifier.classify(CaseText(title="小区路灯不亮", content="小区路灯不亮，井盖也坏了"))
    empty = classifier.classify(CaseText(title="你好", content="想问一下"))

    assert 0.5 <= clear.confidence <= 1.0
    assert empty.confidence == 0.0
    assert "未命中任何主题词" in empty.reasons[0]


def test_a_long_keyword_hides_the_short_ones_inside_it(classifier: Classifier) -> None:
    # 医疗保险 is a social-insurance word; the 医疗 inside it must not count for health.
    scores = {s.topic: s.terms for s in classifier.score(CaseText(title="医疗保险", content=""))}

    assert "医疗保险" in scores["劳动和社会保障"]
    assert "医疗" not in scores["卫生计生"]


def test_the_shipped_lexicon_covers_all_fifteen_topics(classifier: Classifier) -> None:
    ranked = classifier.score(CaseText(title="", content=""))

    assert sorted(s.topic for s in ranked) == sorted(TOPICS)


def test_a_lexicon_with_an_unknown_topic_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(
        "weights: {strong: 3}\ntopics: {天气: {strong: [下雨]}}\ncues: {}\n", encoding="utf-8"
    )

    with pytest.raises(LexiconError, match="unknown"):
        Classifier.from_file(path)
