"""The MTEF's columns read as the Buddhist-Era fiscal years of the framework, and output costing works over the
outputs the staff set for the year: every later step offers them, one row each, and the costs come out per output."""
from __future__ import annotations

import pytest

from app.services.audit import verification
from app.services.cases import step_actions
from app.services.kernel.errors import Invalid

from ..stories import start
from .test_procedures_part1 import OUTPUTS

YEAR_COLUMNS = ["base_year", "year_1", "year_2", "year_3"]


def _columns(form: dict, table: str) -> dict[str, tuple[str, str]]:
    rows = form["properties"][table]["items"]["properties"]
    return {name: (rows[name]["title"], rows[name]["x-title-en"]) for name in YEAR_COLUMNS if name in rows}


def _form(case, spec_id: str, who: str) -> dict:
    return step_actions.get_task(case.ctx, case.people[who], case.task_of(spec_id)["id"])["form"]


def test_the_mtef_of_fiscal_year_2570_names_its_columns_by_the_years_2571_to_2573(ctx, people):
    mtef = start(ctx, people, "mtef", title="กรอบงบประมาณรายจ่ายระยะปานกลาง")
    assert mtef.case["fiscal_year"] == 2570
    mtef.complete("mtef_policy_analysis", "plan2", mtef_first_year=2571)
    columns = _columns(_form(mtef, "mtef_performance_review", "plan2"), "mtef_output_targets")
    assert columns == {"year_1": ("ปีงบประมาณ พ.ศ. 2571", "FY 2571 B.E."),
                       "year_2": ("ปีงบประมาณ พ.ศ. 2572", "FY 2572 B.E."),
                       "year_3": ("ปีงบประมาณ พ.ศ. 2573", "FY 2573 B.E.")}
    mtef.complete("mtef_performance_review", "plan2")
    office = _columns(_form(mtef, "mtef_office_revenue", "plan1"), "mtef_office_revenue")
    assert [th for th, _ in office.values()] == ["ปีงบประมาณ พ.ศ. 2571 (บาท)", "ปีงบประมาณ พ.ศ. 2572 (บาท)",
                                                "ปีงบประมาณ พ.ศ. 2573 (บาท)"]


def test_the_framework_calls_its_base_the_current_year_and_follows_the_first_year_the_staff_set(ctx, people):
    plan = start(ctx, people, "annual_action_plan", title="แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2571")
    for step in ("study_allocation", "analyse_targets", "review_strategies"):
        plan.complete(step, "plan1")
    plan.complete("mtef_policy_analysis", "plan2", mtef_first_year=2572)  # planned a year ahead
    plan.complete("mtef_performance_review", "plan2")
    plan.complete("mtef_office_revenue", "plan1")
    schools = [t for t in plan.refresh()["open_tasks"] if t["spec_id"] == "mtef_school_revenue"]
    school_form = step_actions.get_task(ctx, people["school1"], schools[0]["id"])["form"]
    assert _columns(school_form, "school_revenue_rows")["year_3"][0] == "ปีงบประมาณ พ.ศ. 2574 (บาท)"
    assert "year_1" in plan.case["data"]["mtef_office_revenue"][0], "the fields keep their names"


def test_a_form_serves_the_cases_own_year_until_the_first_year_is_set(ctx, people):
    mtef = start(ctx, people, "mtef", title="กรอบงบประมาณรายจ่ายระยะปานกลาง")
    form = _form(mtef, "mtef_policy_analysis", "plan2")
    assert "{fiscal_year" not in str(form), "no placeholder is ever served"


def _costing_with(ctx, people, outputs):
    costing = start(ctx, people, "output_costing", title="ต้นทุนผลผลิต ปีงบประมาณ 2570")
    costing.complete("define_outputs", "plan1", costing_outputs=outputs)
    return costing


def test_output_costing_with_four_outputs_runs_each_later_step_over_all_four(ctx, people):
    costing = _costing_with(ctx, people, OUTPUTS)
    names = [o["name"] for o in OUTPUTS]
    projects = _form(costing, "analyse_projects", "plan1")
    assert projects["properties"]["output_projects"]["items"]["properties"]["output"]["enum"] == names
    costing.complete("analyse_projects", "plan1", fiscal_year=2570, output_projects=[
        {"output": name, "project": f"โครงการ {i}", "contribution": "ส่งผลโดยตรง"} for i, name in enumerate(names)])
    expenses = _form(costing, "analyse_expenses", "plan2")
    assert expenses["properties"]["project_costs"]["items"]["properties"]["output"]["x-enum-titles"] == names
    costing.complete("analyse_expenses", "plan2", project_costs=[
        {"project": f"โครงการ {i}", "output": name, "direct_cost": 1000 * (i + 1), "indirect_cost": 0}
        for i, name in enumerate(names)])
    quantities = _form(costing, "calculate_unit_cost", "plan2")["properties"]["output_quantities"]
    assert quantities["default"] == [{"output": name} for name in names]
    assert quantities["minItems"] == quantities["maxItems"] == 4
    costing.complete("calculate_unit_cost", "plan2", output_quantities=[
        {"output": name, "quantity": 10} for name in names])
    data = costing.refresh()["data"]
    assert [(r["output"], r["unit"], r["unit_cost"]) for r in data["output_unit_costs"]] == [
        (names[0], "คน", 100.0), (names[1], "คน", 200.0), (names[2], "คน", 300.0), (names[3], "แห่ง", 400.0)]
    review = _form(costing, "costing_review", "director")["properties"]["costing_review_outputs"]
    assert [row["output"] for row in review["default"]] == names
    costing.complete("costing_review", "director", costing_review_decision="approve")
    final = costing.refresh()
    assert final["status"] == "completed"
    assert [row["output"] for row in final["data"]["costing_review_outputs"]] == names
    assert verification.verify_case(ctx, people["auditor2"], costing.id).ok


def test_an_output_not_of_this_year_or_a_missing_row_is_refused_and_changes_nothing(ctx, people):
    costing = _costing_with(ctx, people, OUTPUTS[:2])
    costing.complete("analyse_projects", "plan1")
    costing.complete("analyse_expenses", "plan2")
    task = costing.task_of("calculate_unit_cost")
    before = costing.refresh()
    for rows, field in (([{"output": "ผู้จบการศึกษามัธยมศึกษาตอนปลาย", "quantity": 5},
                         {"output": OUTPUTS[0]["name"], "quantity": 5}], "output_quantities.0.output"),
                        ([{"output": OUTPUTS[0]["name"], "quantity": 5},
                          {"output": OUTPUTS[0]["name"], "quantity": 6}], "output_quantities")):
        with pytest.raises(Invalid) as refused:
            step_actions.complete(ctx, people["plan2"], task["id"],
                                  {"output_quantities": rows, "quantity_source": "ข้อมูลนักเรียนรายบุคคล"})
        assert field in refused.value.fields
    assert costing.refresh()["open_tasks"] == before["open_tasks"]


def test_the_years_outputs_are_named_once_each(ctx, people):
    costing = start(ctx, people, "output_costing", title="ต้นทุนผลผลิต")
    task = costing.task_of("define_outputs")
    with pytest.raises(Invalid) as refused:
        step_actions.complete(ctx, people["plan1"], task["id"], {"costing_outputs": [OUTPUTS[0], OUTPUTS[0]]})
    assert "มีรายการซ้ำกัน" in refused.value.fields["costing_outputs"][0]
    with pytest.raises(Invalid) as refused:
        step_actions.complete(ctx, people["plan1"], task["id"], {"costing_outputs": []})
    assert "costing_outputs" in refused.value.fields
    assert costing.open_steps() == ["define_outputs"]
