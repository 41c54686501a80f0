"""The app factory: configuration from LEDGER_* variables and a generated secret key."""

from ledger import create_app


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGER_SECRET_KEY", raising=False)
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    first = create_app({"TESTING": True})
    second = create_app({"TESTING": True})
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["DATABASE_URL"] == f"sqlite:///{tmp_path}/x.db"


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("LEDGER_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("LEDGER_DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["DATABASE_URL"] == "sqlite:////tmp/elsewhere.db"


def test_home_redirects_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    page = client.get("/auth/login")
    assert "Đăng nhập" in page.text
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
