def test_login_page_renders(client):
    response = client.get("/masuk")
    assert response.status_code == 200
    assert b"csrf_token" in response.data or b"password" in response.data


def test_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_admin_sees_staff_list(client, login, create_user, create_staff):
    admin = create_user(roles=["admin"])
    create_staff(name="Siti Aminah", gender="P")
    login(admin)
    response = client.get("/pegawai/")
    assert response.status_code == 200
    assert "Siti Aminah" in response.get_data(as_text=True)
