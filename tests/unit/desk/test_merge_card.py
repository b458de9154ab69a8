"""The case page tells a follower's lead (已并入 <lead>) and lists a lead's followers."""

from services.desk.ui.casepage import merge_card, merged_with, state_label

LEAD, F1, F2 = "20261122000001", "20261122000002", "20261122000003"


def entry(kind: str, related: str) -> dict[str, object]:
    return {"kind": kind, "note": "", "data": {"related_case_no": related}}


def test_a_follower_reads_as_merged_into_its_lead() -> None:
    entries = [entry("accepted", ""), entry("merged", LEAD)]
    assert merged_with(entries) == (LEAD, [])
    assert state_label({"state": "merged"}, entries) == f"已并入 {LEAD}"
    assert 'id="merged-into"' in merge_card(entries) and LEAD in merge_card(entries)
    # Once closed with its lead, the state is the close; the card still names the lead.
    assert state_label({"state": "closed"}, entries) == "已销号"


def test_a_lead_lists_each_follower_once() -> None:
    entries = [entry("merge_taken", F1), entry("merge_taken", F2), entry("merge_taken", F1)]
    assert merged_with(entries) == ("", [F1, F2])
    card = merge_card(entries)
    assert "并入本工单 2 件" in card and F1 in card and F2 in card
    assert merge_card([entry("linked", F1)]) == ""
