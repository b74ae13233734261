"""Withdrawal limits over HTTP: an admin sets them (PUT/DELETE /v1/limits), users see where they stand
(GET /v1/limits), POST /v1/withdrawals past a limit is 422 limit_exceeded naming the limit and what
remains and changes nothing, and 20 concurrent withdrawals cannot pass the limit together."""
import concurrent.futures
import datetime

from helpers import assert_error, deposit, new_currency

ADDRESS = "0x00000000000000000000000000000000000000aA"


def withdraw(user, cur, amount):
    return user.post("/v1/withdrawals", {"currency": cur, "amount": amount, "chain": "evm", "to_address": ADDRESS})


def standing(user, cur, **params):
    r = user.get("/v1/limits", params={"currency": cur, **params})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert len(items) == 1, items
    return items[0]


def test_admin_sets_and_users_read(server, admin, service, make_user):
    cur = new_currency()
    alice, bob, auditor = make_user(), make_user(), make_user(("auditor",))
    assert alice.get("/v1/limits", params={"currency": cur}).json() == {"items": []}

    r = admin.call("PUT", "/v1/limits", {"currency": cur, "per_withdrawal": "100", "daily": "250"})
    assert r.status_code == 200, r.text
    assert r.json() == {"currency": cur, "user_id": None, "source": "default", "per_withdrawal": "100",
                        "daily": "250", "used": "0", "remaining": "100", "next_release_at": None,
                        "next_release_amount": None, "updated_at": r.json()["updated_at"]}
    r = admin.call("PUT", "/v1/limits", {"currency": cur, "user_id": bob.id, "per_withdrawal": None, "daily": "10"})
    assert r.status_code == 200 and r.json()["source"] == "user" and r.json()["user_id"] == bob.id, r.text

    mine = standing(alice, cur)
    assert (mine["user_id"], mine["source"], mine["used"], mine["remaining"]) == (alice.id, "default", "0", "100")
    assert mine["next_release_at"] is None
    theirs = standing(auditor, cur, user_id=bob.id)
    assert (theirs["source"], theirs["per_withdrawal"], theirs["remaining"]) == ("user", None, "10")
    assert_error(alice.get("/v1/limits", params={"user_id": bob.id}), 403, "forbidden")

    # Only an admin sets or clears; bad values are named.
    body = {"currency": cur, "per_withdrawal": "1", "daily": "1"}
    assert_error(alice.call("PUT", "/v1/limits", body), 403, "forbidden")
    assert_error(service.call("PUT", "/v1/limits", body), 403, "forbidden")
    assert_error(alice.delete("/v1/limits", params={"currency": cur}), 403, "forbidden")
    assert_error(admin.call("PUT", "/v1/limits", {"currency": cur, "per_withdrawal": 5, "daily": None}),
                 400, "invalid", "per_withdrawal")
    assert_error(admin.call("PUT", "/v1/limits", {"currency": cur, "per_withdrawal": "1"}), 400, "invalid", "daily")
    assert_error(admin.call("PUT", "/v1/limits", {"currency": cur, "per_withdrawal": "-1", "daily": None}),
                 400, "invalid", "per_withdrawal")
    assert_error(admin.call("PUT", "/v1/limits", {**body, "weekly": "1"}), 400, "invalid", "weekly")
    assert_error(admin.delete("/v1/limits"), 400, "invalid", "currency")
    assert standing(alice, cur)["per_withdrawal"] == "100"  # nothing changed

    # Clearing bob's values brings the default back; clearing again is 404.
    r = admin.delete("/v1/limits", params={"currency": cur, "user_id": bob.id})
    assert r.status_code == 200 and r.json() == {"currency": cur, "user_id": bob.id, "cleared": True}, r.text
    assert standing(bob, cur)["source"] == "default"
    assert_error(admin.delete("/v1/limits", params={"currency": cur, "user_id": bob.id}), 404, "not_found")


def test_withdrawals_are_held_to_the_limits(server, admin, service, make_user):
    cur = new_currency()
    carol = make_user()
    deposit(service, carol, cur, "1000")
    assert admin.call("PUT", "/v1/limits", {"currency": cur, "per_withdrawal": "100", "daily": "250"}).status_code == 200

    message = assert_error(withdraw(carol, cur, "100.5"), 422, "limit_exceeded")
    assert "above the per-withdrawal maximum of 100 " + cur in message, message
    assert withdraw(carol, cur, "100").status_code == 201
    assert withdraw(carol, cur, "100").status_code == 201
    before = carol.balance(cur)
    message = assert_error(withdraw(carol, cur, "60"), 422, "limit_exceeded")
    assert "would pass the 24-hour limit of 250 " + cur + ": 50 remaining now; 100 more frees up at " in message, message
    assert carol.balance(cur) == before  # a refusal changes nothing

    s = standing(carol, cur)
    assert (s["used"], s["remaining"], s["next_release_amount"]) == ("200", "50", "100"), s
    release = datetime.datetime.fromisoformat(s["next_release_at"].replace("Z", "+00:00"))
    in_a_day = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=24)
    assert abs((release - in_a_day).total_seconds()) < 120, s
    assert withdraw(carol, cur, "50").status_code == 201
    assert standing(carol, cur)["remaining"] == "0"


def test_twenty_concurrent_withdrawals_cannot_pass_the_limit(server, admin, service, make_user):
    cur = new_currency()
    dan = make_user()
    deposit(service, dan, cur, "10000")
    assert admin.call("PUT", "/v1/limits", {"currency": cur, "user_id": dan.id, "per_withdrawal": None,
                                            "daily": "250"}).status_code == 200
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(lambda _: withdraw(dan, cur, "30").status_code, range(20)))
    assert codes.count(201) == 8 and codes.count(422) == 12, codes  # 8 × 30 = 240 of 250
    assert dan.balance(cur)["balance"] == "9760"
    assert standing(dan, cur)["remaining"] == "10"
