import pytest


@pytest.mark.parametrize(("lang", "heading", "login"), [
    ("nb", "Min helse", "Logg inn som helsepersonell"),
    ("nn", "Mi helse", "Logg inn som helsepersonell"),
    ("en", "My health", "Log in as health personnel"),
])
def test_front_page_leads_citizens_and_staff_to_login(client, lang, heading, login):
    response = client.get(f"/?lang={lang}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in page and f"<h1>{heading}</h1>" in page
    assert 'href="/auth/login"' in page and 'href="/staff/auth/login"' in page
    assert login in page
    assert "<script" not in page
