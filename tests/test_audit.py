"""The audit log, as auditors read it."""


def test_audit_log_for_auditors(client, demo, make_user, login):
    make_user("kiemtoan", "auditor", "TT")
    login("kiemtoan")
    page = client.get("/audit/")
    assert page.status_code == 200 and "disbursement.pay" in page.text
