"""Each home shows the role's task first: the front desk's is the board, a grid
worker's is their status panel and the day's progress, kept current after a change."""
import re
from datetime import date, datetime, time

from sqlalchemy import select

from portal.auth.models import Account
from portal.clock import LOCAL_TZ
from portal.extensions import db

TODAY = date(2026, 11, 25)


def at(hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(TODAY, time(hour, minute), tzinfo=LOCAL_TZ)


def person_of(app, username):
    with app.app_context():
        person = db.session.scalar(select(Account).where(Account.username == username)).person
        return person.id, person.community_id


def test_the_front_desks_home_is_the_board(app, auth):
    auth.login("fuyuan_frontdesk")
    _pid, community = person_of(app, "fuyuan_frontdesk")
    response = auth.client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/board/{community}")


def test_a_workers_home_is_their_status_panel_and_the_days_progress(app, auth):
    app.config["CLOCK_NOW"] = at("08:20")
    auth.login("fuyuan_worker01")
    html = auth.client.get("/").get_data(as_text=True)
    assert html.index('id="me-panel"') < html.index('id="today-progress"') < html.index("今日要做")
    assert "巡查 0/2" in html and 'name="from" value="home"' in html
    assert 'value="clock_in"' in html  # the first main button of the day


def test_one_tap_on_the_home_changes_the_status_and_the_progress_follows(app, auth):
    """≤ 2 taps from the home page: here one (巡查开始), and the day is clocked in."""
    app.config["CLOCK_NOW"] = at("08:20")
    auth.login("fuyuan_worker01")
    pid, community = person_of(app, "fuyuan_worker01")
    token = auth.token("/")
    answer = auth.client.post(f"/board/{community}/people/{pid}/status",
                              data={"kind": "patrol_start", "from": "home", "csrf_token": token},
                              headers={"HX-Request": "true"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "status-changed"
    assert 'id="me-panel"' in body and "巡查中" in body and 'name="from" value="home"' in body
    assert 'id="card-' not in body and "board-summary" not in body  # nothing the home has no place for
    app.config["CLOCK_NOW"] = at("10:00")
    auth.client.post(f"/board/{community}/people/{pid}/status",
                     data={"kind": "patrol_end", "from": "home", "csrf_token": token}, headers={"HX-Request": "true"})
    progress = auth.client.get("/progress", headers={"HX-Request": "true"})
    fragment = progress.get_data(as_text=True)
    assert progress.status_code == 200 and "<html" not in fragment and "HX-Request" in progress.headers["Vary"]
    assert re.search(r"巡查 1/2", fragment)


def test_without_javascript_a_status_from_the_home_comes_back_home(app, auth):
    app.config["CLOCK_NOW"] = at("08:20")
    auth.login("fuyuan_worker01")
    pid, community = person_of(app, "fuyuan_worker01")
    answer = auth.client.post(f"/board/{community}/people/{pid}/status",
                              data={"kind": "clock_in", "from": "home", "csrf_token": auth.token("/")})
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    assert auth.client.get("/progress").status_code == 302
