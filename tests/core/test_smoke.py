def test_healthz_reports_database_ok(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": "ok"}


def test_kiosk_issues_first_ticket_of_the_day(api):
    t = api.issue("KTP")
    assert t["number"] == "A001"
    assert t["status"] == "waiting"
    assert t["status_url"] == f"http://mpp.test/t/{t['token']}"
    assert t["issued_at"].endswith("+08:00")


def test_public_counter_list_names_staff_without_their_login_name(api):
    api.open_counter("dukcapil1", "Loket 1")
    counters = api.get("/counters").body["counters"]
    staffed = [c for c in counters if c["open"]]
    assert [c["staff"] for c in staffed] == [{"id": staffed[0]["staff"]["id"],
                                              "full_name": "Siti Rahmawati"}]
    assert "dukcapil1" not in str(api.get("/counters").body)
    assert "dukcapil1" not in str(api.get("/queue").body)


def test_dashboard_links_to_the_password_page_which_opens_for_managers(client):
    from ..support.sessions import sign_in

    sign_in(client, "manajer")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/account/password"' in page
    assert client.get("/account/password").status_code == 200
