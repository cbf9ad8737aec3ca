"""Over HTTP: the MTEF's columns by their Buddhist-Era fiscal years in the API's form and on the step page, and
output costing's quantities step with a row for each of the year's outputs."""
from __future__ import annotations

YEARS = ["ปีงบประมาณ พ.ศ. 2571 (บาท)", "ปีงบประมาณ พ.ศ. 2572 (บาท)", "ปีงบประมาณ พ.ศ. 2573 (บาท)"]


def test_the_mtef_form_of_2570_names_its_columns_2571_to_2573_in_the_api_and_on_the_page(start, api, as_user):
    mtef = start("mtef", title="กรอบงบประมาณรายจ่ายระยะปานกลาง")
    mtef.complete("mtef_policy_analysis", "plan2", mtef_first_year=2571)
    mtef.complete("mtef_performance_review", "plan2")
    task = mtef.task_of("mtef_office_revenue")
    form = api.as_("plan1").get(f"/tasks/{task['id']}").get_json()["form"]
    columns = form["properties"]["mtef_office_revenue"]["items"]["properties"]
    assert [columns[f"year_{n}"]["title"] for n in (1, 2, 3)] == YEARS
    page = as_user("plan1")
    assert page.get(f"/tasks/{task['id']}").status_code == 200
    html = page.text()
    assert all(year in html for year in YEARS) and "ปีที่ 1" not in html
    assert "{fiscal_year" not in html


def test_the_quantities_step_has_a_row_for_each_of_the_years_outputs(start, api, as_user):
    outputs = [{"name": f"ผลผลิตที่ {n}", "unit": "คน"} for n in range(1, 5)]
    costing = start("output_costing", title="ต้นทุนผลผลิต ปีงบประมาณ 2570")
    costing.complete("define_outputs", "plan1", costing_outputs=outputs)
    costing.complete("analyse_projects", "plan1")
    costing.complete("analyse_expenses", "plan2")
    task = costing.task_of("calculate_unit_cost")
    page = as_user("plan2")
    assert page.get(f"/tasks/{task['id']}").status_code == 200
    html = page.text()
    assert all(o["name"] in html for o in outputs)
    answer = api.as_("plan2").post(f"/tasks/{task['id']}/complete", json={"data": {
        "quantity_source": "ข้อมูลนักเรียนรายบุคคล",
        "output_quantities": [{"output": "ผลผลิตที่ 1", "quantity": 5}]}})
    assert answer.status_code == 400 and "output_quantities" in answer.get_json()["error"]["fields"]
    costing.complete("calculate_unit_cost", "plan2")
    assert len(costing.refresh()["data"]["output_unit_costs"]) == 4
