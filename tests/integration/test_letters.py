"""Official letters (issue 15, item 1): every letter that leaves the office is drafted by plan staff, initialled
by the group director and signed by the office director or a deputy for them; PlanFlow numbers it when it is
signed (ที่ ศธ 04036/n, running per calendar year, never reused) and writes it in the outgoing register; the
incoming register numbers every letter received the same way."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app import engine
from app.services.audit import verification
from app.services.cases import lifecycle, step_actions
from app.services.kernel.errors import Conflict, Forbidden, Invalid
from app.services.letters import registers
from app.store.letter_models import LetterCounter, OutgoingLetter
from app.store.models import Event
from app.thaidate import BANGKOK

from ..at_once import at_once
from ..samples import fill
from ..stories import CaseDriver, start

EVERYTHING = registers.Search()
DIRECTOR = "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาขอนแก่น เขต 1"


def _bangkok(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BANGKOK).astimezone(UTC)


def letter_to_sign(ctx, people, subject: str = "ขอความอนุเคราะห์ข้อมูลนักเรียน", kind: str = "letter") -> CaseDriver:
    """A letter started on its own, drafted and initialled: waiting for the office director's signature."""
    letter = start(ctx, people, "official_letter", title=subject)
    letter.complete("letter_draft", "plan1", letter_kind=kind, letter_subject=subject,
                    letter_recipients="ผู้อำนวยการโรงเรียนบ้านโนนทัน")
    letter.complete("letter_check", "director", letter_check_decision="initial")
    assert letter.open_steps() == ["letter_sign"]
    return letter


def _sign(letter: CaseDriver, who: str = "office", **fields) -> dict:
    return letter.complete("letter_sign", who, letter_sign_decision="sign", letter_signed_as="director", **fields)


def _outgoing(ctx, actor, **search) -> list[dict]:
    return registers.outgoing(ctx, actor, registers.Search(**search))


def test_a_deputy_signs_for_the_director_and_the_letter_is_numbered_registered_and_sent(ctx, people):
    letter = start(ctx, people, "official_letter", title="ขอความอนุเคราะห์ข้อมูลนักเรียน")
    letter.complete("letter_draft", "plan1", letter_subject="ขอความอนุเคราะห์ข้อมูลนักเรียน",
                    letter_recipients="ผู้อำนวยการโรงเรียนบ้านโนนทัน", letter_kind="letter")
    letter.complete("letter_check", "director", letter_check_decision="return",
                    letter_check_comments="ระบุกำหนดส่งข้อมูล")
    assert letter.open_steps() == ["letter_draft"], "the group director sends the draft back to its writer"
    letter.complete("letter_draft", "plan1", letter_subject="ขอความอนุเคราะห์ข้อมูลนักเรียน",
                    letter_recipients="ผู้อำนวยการโรงเรียนบ้านโนนทัน", letter_kind="letter")
    letter.complete("letter_check", "director", letter_check_decision="initial")
    assert _outgoing(ctx, people["director"]) == [], "no number before the signature"

    with pytest.raises(Invalid) as refused:  # a deputy says for whom they sign
        letter.complete("letter_sign", "deputy", letter_sign_decision="sign", letter_signed_as="on_behalf",
                        letter_signed_for="")
    assert list(refused.value.fields) == ["letter_signed_for"]
    letter.complete("letter_sign", "deputy", letter_sign_decision="sign", letter_signed_as="on_behalf",
                    letter_signed_for=DIRECTOR)

    data = letter.refresh()["data"]
    assert (data["letter_number"], data["letter_date"]) == ("ศธ 04036/1", "2026-12-03")
    assert (data["letter_signed_by"], data["letter_signed_as"], data["letter_signed_for"]) == (
        "deputy", "on_behalf", DIRECTOR), "who signed, and for whom"
    assert "รองผู้อำนวยการ" in data["letter_signer_name"]
    [row] = _outgoing(ctx, people["director"])
    assert (row["number"], row["date"], row["subject"], row["recipients"]) == (
        "ศธ 04036/1", "2026-12-03", "ขอความอนุเคราะห์ข้อมูลนักเรียน", "ผู้อำนวยการโรงเรียนบ้านโนนทัน")
    assert (row["signed_by"], row["signed_as"], row["signed_for"], row["status"]) == (
        "deputy", "on_behalf", DIRECTOR, "signed")
    signing = [e for e in lifecycle.case_history(ctx, people["admin"], letter.id)
               if e["task_spec_id"] == "letter_sign" and e["kind"] == "task_completed"]
    assert signing[0]["data"]["letter_number"] == "ศธ 04036/1", "the number is in the signing's own event"

    letter.complete("letter_dispatch", "plan1", letter_dispatch_channel="e_office", letter_dispatched_on="2026-12-04")
    [row] = _outgoing(ctx, people["plan2"])
    assert (row["status"], row["dispatch_channel"], row["dispatched_on"]) == ("dispatched", "e_office", "2026-12-04")
    assert letter.refresh()["status"] == "completed"
    ctx.workflow_cache.clear()
    verdict = verification.verify_case(ctx, people["auditor"], letter.id)
    assert verdict.ok, verdict.problems  # the replay reproduces the number from the event, not the counter


def test_a_procedure_gets_back_the_number_date_and_signer_of_its_letter(ctx, people):
    round_ = start(ctx, people, "budget_request", title="จัดตั้งงบประมาณ พ.ศ. 2571")
    round_.complete("notify_schools", "plan1", fiscal_year=2571, requests_close_on="2026-12-10")
    draft = step_actions.get_task(ctx, people["plan1"], round_.task_of("letter_draft")["id"])["case_data"]
    assert (draft["letter_kind"], draft["letter_recipients"]) == ("circular", "ผู้อำนวยการสถานศึกษาในสังกัดทุกแห่ง")
    assert draft["letter_subject"].endswith("พ.ศ. 2571"), "the calling diagram sets what the letter is about"
    round_.send_letter(signer="deputy")
    data = round_.refresh()["data"]
    assert (data["notice_letter_number"], data["notice_date"]) == ("ศธ 04036/ว 1", "2026-12-03"), "a circular: ว"
    assert data["letter_signed_by"] == "deputy"
    assert "letter_check_decision" not in data, "only the letter's results come back to the procedure"
    assert sorted({t["spec_id"] for t in round_.refresh()["open_tasks"]}) == ["school_budget_request"]


def test_the_office_prefix_is_a_setting(ctx, people):
    ctx.settings["letter_prefix"] = "ศธ 04099"
    _sign(letter_to_sign(ctx, people, kind="circular"))
    assert [r["number"] for r in _outgoing(ctx, people["director"])] == ["ศธ 04099/ว 1"]


def test_two_letters_signed_at_the_same_moment_never_share_a_number(ctx, people):
    letters = [letter_to_sign(ctx, people, subject=f"หนังสือฉบับที่ {n}") for n in (1, 2)]
    signers = ("office", "deputy")
    steps = [(letter.task_of("letter_sign")["id"], who) for letter, who in zip(letters, signers, strict=True)]
    forms = [step_actions.get_task(ctx, people[who], step)["form"] for step, who in steps]
    sent = [(step, who, fill(form, {"letter_sign_decision": "sign", "letter_signed_as": "acting",
                                    "letter_signed_for": DIRECTOR}))
            for (step, who), form in zip(steps, forms, strict=True)]
    answers = at_once(*(lambda step=step, who=who, data=data: step_actions.complete(ctx, people[who], step, data)
                        for step, who, data in sent), expected=(Conflict,))  # shown if it ever happens
    assert all(isinstance(a, dict) for a in answers), answers
    numbers = sorted(letter.refresh()["data"]["letter_number"] for letter in letters)
    assert numbers == ["ศธ 04036/1", "ศธ 04036/2"]
    assert sorted(r["seq"] for r in _outgoing(ctx, people["director"])) == [1, 2]


def test_numbers_restart_at_one_in_a_new_calendar_year(ctx, people, clock):
    clock.set(_bangkok(2026, 12, 31, 20))  # the last evening of 2569 (already fiscal 2570)
    old_year = letter_to_sign(ctx, people, subject="หนังสือสิ้นปี")
    _sign(old_year)
    clock.set(_bangkok(2027, 1, 4, 9))  # the first working morning of 2570
    first, second = letter_to_sign(ctx, people, subject="หนังสือต้นปี 1"), letter_to_sign(ctx, people, subject="ต้นปี 2")
    _sign(first)
    _sign(second)
    assert (old_year.refresh()["data"]["letter_date"], first.refresh()["data"]["letter_date"]) == (
        "2026-12-31", "2027-01-04")
    rows = _outgoing(ctx, people["director"])
    assert [(r["year"], r["seq"], r["number"]) for r in rows] == [
        (2570, 2, "ศธ 04036/2"), (2570, 1, "ศธ 04036/1"), (2569, 1, "ศธ 04036/1")]
    assert [r["subject"] for r in _outgoing(ctx, people["director"], year=2569)] == ["หนังสือสิ้นปี"]


def test_a_number_is_never_reused_after_a_cancellation_or_a_failed_signing(ctx, people, monkeypatch):
    cancelled = letter_to_sign(ctx, people, subject="หนังสือที่ยกเลิก")
    _sign(cancelled)
    lifecycle.change_status(ctx, people["director"], cancelled.id, "cancel", "เรื่องยุติแล้ว")
    [row] = _outgoing(ctx, people["director"])
    assert (row["number"], row["status"]) == ("ศธ 04036/1", "cancelled"), "its number stays in the register"

    failing = letter_to_sign(ctx, people, subject="หนังสือที่ลงนามไม่สำเร็จ")
    real_complete = engine.complete

    def broken(workflow, engine_id, data, at, seed):
        raise engine.StepFailed("the disk under the engine failed", "letter_sign")
    monkeypatch.setattr(engine, "complete", broken)
    with pytest.raises(Invalid):
        _sign(failing)
    monkeypatch.setattr(engine, "complete", real_complete)
    with ctx.read() as session:
        assert session.scalar(select(LetterCounter.last_seq)) == 1, "the failed signing issued nothing"
        assert session.scalar(select(func.count()).select_from(OutgoingLetter)) == 1
        assert session.scalar(select(func.count()).select_from(Event).where(
            Event.case_id == failing.id, Event.task_spec_id == "letter_sign")) == 0
    assert failing.open_steps() == ["letter_sign"]

    _sign(failing)
    assert failing.refresh()["data"]["letter_number"] == "ศธ 04036/2", "the cancelled letter keeps number 1"
    assert [r["number"] for r in _outgoing(ctx, people["director"])] == ["ศธ 04036/2", "ศธ 04036/1"]


def test_the_incoming_register_numbers_each_letter_per_calendar_year_with_its_time_of_receipt(ctx, people, clock):
    def received(subject: str, sender: str) -> dict:
        letter = start(ctx, people, "correspondence", title=subject)
        letter.complete("register", "plan1", subject=subject, sender=sender, urgency="urgent", secrecy="normal")
        return letter.refresh()["data"]

    clock.set(_bangkok(2026, 12, 30, 10))
    first = received("ขอข้อมูลนักเรียน", "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน")
    clock.set(_bangkok(2026, 12, 30, 14))
    second = received("เชิญประชุม", "สำนักงานศึกษาธิการจังหวัดขอนแก่น")
    clock.set(_bangkok(2027, 1, 4, 8))
    third = received("แจ้งปฏิทินการศึกษา", "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน")
    assert [(d["register_year"], d["register_number"]) for d in (first, second, third)] == [
        (2569, 1), (2569, 2), (2570, 1)]
    assert (second["received_on"], second["received_at"]) == ("2026-12-30", "2026-12-30T14:00+07:00")
    rows = registers.incoming(ctx, people["plan2"], EVERYTHING)
    assert [(r["year"], r["seq"]) for r in rows] == [(2570, 1), (2569, 2), (2569, 1)]
    assert rows[1]["received_at"] == "2026-12-30T07:00:00+00:00" and rows[1]["urgency"] == "urgent"
    found = registers.incoming(ctx, people["plan2"], registers.search_of(party="ศึกษาธิการจังหวัด"))
    assert [r["subject"] for r in found] == ["เชิญประชุม"]
    january = registers.incoming(ctx, people["plan2"], registers.search_of(date_from="2027-01-01"))
    assert [r["subject"] for r in january] == ["แจ้งปฏิทินการศึกษา"]


def test_the_outgoing_register_is_searched_by_number_year_subject_recipient_and_days(ctx, people, clock):
    for subject, recipients in (("ส่งรายงานผลการใช้จ่ายงบประมาณ", "เลขาธิการ กพฐ."),
                                ("เชิญประชุมผู้บริหารสถานศึกษา", "ผู้อำนวยการสถานศึกษาในสังกัดทุกแห่ง")):
        letter = start(ctx, people, "official_letter", title=subject)
        letter.complete("letter_draft", "plan1", letter_subject=subject, letter_recipients=recipients,
                        letter_kind="letter")
        letter.complete("letter_check", "director", letter_check_decision="initial")
        _sign(letter)
        clock.advance(days=7)
    director = people["director"]
    assert [r["subject"] for r in _outgoing(ctx, director, number="2")] == ["เชิญประชุมผู้บริหารสถานศึกษา"]
    assert [r["seq"] for r in _outgoing(ctx, director, number="04036/1")] == [1]
    assert [r["seq"] for r in _outgoing(ctx, director, text="งบประมาณ")] == [1]
    assert [r["seq"] for r in _outgoing(ctx, director, party="สถานศึกษา")] == [2]
    assert [r["seq"] for r in registers.outgoing(ctx, director, registers.search_of(
        date_from="2026-12-05", date_to="2026-12-31"))] == [2]
    assert _outgoing(ctx, director, year=2570) == []
    assert [r["seq"] for r in _outgoing(ctx, director, number="๒")] == [2], "Thai digits are a running number"
    for beyond in ("1180591620717411303424", "²"):  # no running number: a part of a number as written
        assert _outgoing(ctx, director, number=beyond) == []
        assert registers.incoming(ctx, director, registers.search_of(number=beyond)) == []
    for bad in ({"year": "2569a"}, {"date_from": "3/12/2569"}, {"limit": "0"}, {"text": "ก" * 201},
                {"date_from": "2026-12-10", "date_to": "2026-12-01"}):
        with pytest.raises(Invalid) as caught:
            registers.search_of(**bad)
        assert caught.value.fields, bad


def test_a_secret_reply_is_listed_in_full_only_to_those_who_may_see_its_case(ctx, people):
    letter = start(ctx, people, "correspondence", title="หนังสือลับ")
    letter.complete("register", "plan1", subject="การสอบสวนทางวินัย", sender="สพฐ.", urgency="normal",
                    secrecy="secret")
    letter.complete("assign", "director", instruction_type="act_and_reply", assigned_to="plan1")
    letter.complete("act", "plan1")
    letter.send_letter()  # the reply keeps the letter's secrecy; the office director, who directs the signers, signs
    [row] = _outgoing(ctx, people["plan1"])
    assert (row["secrecy"], row["subject"], row["masked"]) == ("secret", "การสอบสวนทางวินัย", False)
    assert _outgoing(ctx, people["plan2"]) == [], "another member of the group does not see a secret letter"
    assert registers.incoming(ctx, people["plan2"], EVERYTHING) == []
    [masked] = _outgoing(ctx, people["auditor"])
    assert (masked["number"], masked["masked"], masked["subject"], masked["recipients"], masked["case_id"]) == (
        "ศธ 04036/1", True, None, None, None), "an auditor without the clearance sees that the number was used"
    assert _outgoing(ctx, people["auditor"], text="วินัย") == [], "a search never finds what is masked"
    assert _outgoing(ctx, people["auditor2"], text="วินัย")[0]["subject"] == "การสอบสวนทางวินัย"
    [incoming] = registers.incoming(ctx, people["auditor"], EVERYTHING)
    assert incoming["masked"] and incoming["sender"] is None and incoming["seq"] == 1


def test_only_plan_staff_the_directors_supervisors_and_auditors_read_the_registers(ctx, people):
    for who in ("plan2", "director", "office", "deputy", "auditor", "admin"):
        assert registers.outgoing(ctx, people[who], EVERYTHING) == []
        assert registers.incoming(ctx, people[who], EVERYTHING) == []
    for who in ("school1", "secretary"):
        with pytest.raises(Forbidden):
            registers.outgoing(ctx, people[who], EVERYTHING)
        with pytest.raises(Forbidden):
            registers.incoming(ctx, people[who], EVERYTHING)
