from app.services import cases

def test_smoke(as_user, ctx, people):
    plan1 = as_user("plan1")
    r = plan1.get("/inbox"); assert r.status_code == 200, plan1.text()[:3000]
    r = plan1.get("/cases/new"); assert r.status_code == 200, plan1.text()[:3000]
    r = plan1.post("/cases/new", {"process_key": "development_plan", "title": "แผน"})
    assert r.status_code == 302, plan1.text()[:3000]
    loc = r.headers["Location"]
    r = plan1.get(loc); assert r.status_code == 200, plan1.text()[:3000]
    print(plan1.text()[:200])
    r = plan1.post(loc, {"action": "complete", "plan_title": ""})
    assert r.status_code == 400, plan1.text()[:3000]
    assert "กรุณากรอก" in plan1.text()
    r = plan1.get("/cases/1"); assert r.status_code == 200, plan1.text()[:3000]
    r = plan1.get("/inbox"); assert r.status_code == 200
    open("/tmp/inbox.html","w").write(plan1.text())
