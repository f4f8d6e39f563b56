"""Security as an attacker and an auditor meet it: login limits, headers, CSRF, cookies, logs.

docs/security.md is the prose version of these tests.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.accounts.throttle import client_ip
from shequ.core.logging import MaskPersonalData
from shequ.core.security import tile_source
from shequ.testing import PASSWORD, County, make_user

ROOT = Path(__file__).resolve().parents[3]
LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
ID_NUMBER = "330723198001011234"
MOBILE = "13800138000"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Limits count in the cache; no test may inherit another's counts or leave its own behind."""
    cache.clear()
    yield
    cache.clear()


def _post_login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


# --- login limits --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_address_spraying_one_password_over_many_accounts_is_stopped(
    client: Client, county: County, settings: Any
) -> None:
    settings.SHEQU_LOGIN_IP_RATE = "3/15min"
    make_user(Role.COMMUNITY_WORKER, county.community_a1, username="zhang")
    for username in ("li", "wang", "zhao"):  # three accounts, one guess each: none of them locks
        assert _post_login(client, username, "Password123!").status_code == 200
    refused = _post_login(client, "zhang", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert (
        "Too many failed logins" in refused.content.decode() or "登录失败次数过多" in refused.content.decode()
    )
    # Another address is not affected.
    elsewhere = _post_login(Client(), "zhang", PASSWORD, REMOTE_ADDR="10.9.8.7")
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_successful_logins_do_not_count_against_the_address(
    client: Client, county: County, settings: Any
) -> None:
    settings.SHEQU_LOGIN_IP_RATE = "2/15min"
    make_user(Role.COMMUNITY_WORKER, county.community_a1, username="zhang")
    for _ in range(5):
        assert _post_login(Client(), "zhang", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_forged_x_forwarded_for_does_not_buy_new_attempts(client: Client, settings: Any) -> None:
    settings.SHEQU_LOGIN_IP_RATE = "2/15min"
    settings.SHEQU_NUM_PROXIES = 0
    for n in range(2):
        _post_login(client, "nobody", "guess", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert _post_login(client, "nobody", "guess", HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429


@pytest.mark.django_db
def test_behind_a_proxy_each_client_address_counts_on_its_own(client: Client, settings: Any) -> None:
    settings.SHEQU_LOGIN_IP_RATE = "2/15min"
    settings.SHEQU_NUM_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(2):
        _post_login(client, "nobody", "guess", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert (
        _post_login(client, "nobody", "guess", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 429
    )
    # The client wrote "203.0.113.5, " itself in front: only the address the proxy saw counts.
    other = _post_login(client, "nobody", "guess", HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.7", **proxy)
    assert other.status_code == 200


@pytest.mark.django_db
def test_the_token_endpoint_shares_the_limit_and_answers_429(county: County, settings: Any) -> None:
    settings.SHEQU_LOGIN_IP_RATE = "2/15min"
    make_user(Role.COMMUNITY_WORKER, county.community_a1, username="zhang")
    api = Client()
    for _ in range(2):
        bad = api.post(TOKEN, {"username": "zhang", "password": "guess"}, content_type="application/json")
        assert bad.status_code == 400
    # The page's failures and the API's count together: the address is now refused on both.
    response = api.post(TOKEN, {"username": "zhang", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert _post_login(Client(), "zhang", PASSWORD).status_code == 429


ADMIN_LOGIN = "/django-admin/login/"


@pytest.mark.django_db
def test_forty_wrong_passwords_to_the_django_admin_lock_as_the_main_login_does(
    county: County, settings: Any
) -> None:
    settings.SHEQU_ADMIN_ENABLED = True
    root = make_user(Role.ADMIN, username="root")
    answers = [
        Client().post(ADMIN_LOGIN, {"username": "root", "password": f"guess-{n}"}).status_code
        for n in range(40)
    ]
    # Locked after the fifth, and the address refused once it used up its failures.
    assert answers[: settings.SHEQU_LOGIN_MAX_FAILURES] == [200] * settings.SHEQU_LOGIN_MAX_FAILURES
    assert answers[-1] == 429
    cache.clear()  # the address limit aside: the account itself stays locked from here
    client = Client()
    locked = client.post(ADMIN_LOGIN, {"username": "root", "password": PASSWORD})
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    assert root.is_locked
    assert client.get("/django-admin/").status_code == 302  # to the login: nothing was opened


@pytest.mark.django_db
def test_an_account_locked_on_the_login_page_cannot_use_the_admin_or_the_token_endpoint(
    county: County, settings: Any
) -> None:
    settings.SHEQU_ADMIN_ENABLED = True
    make_user(Role.ADMIN, username="root")
    for _ in range(settings.SHEQU_LOGIN_MAX_FAILURES):
        _post_login(Client(), "root", "wrong-password")
    admin_client = Client()
    admin_client.post(ADMIN_LOGIN, {"username": "root", "password": PASSWORD})
    assert "_auth_user_id" not in admin_client.session
    assert admin_client.get("/django-admin/knox/authtoken/").status_code == 302
    token = Client().post(TOKEN, {"username": "root", "password": PASSWORD}, content_type="application/json")
    assert token.status_code == 400 and token.json()["code"] == "account_locked"


@pytest.mark.django_db
def test_the_admin_login_is_the_app_login_and_works_for_staff(county: County, settings: Any) -> None:
    settings.SHEQU_ADMIN_ENABLED = True
    User.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    page = client.get(ADMIN_LOGIN + "?next=/django-admin/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    done = client.post(ADMIN_LOGIN + "?next=/django-admin/", {"username": "root", "password": PASSWORD})
    assert done["Location"] == "/django-admin/"
    assert client.get("/django-admin/").status_code == 200


@pytest.mark.django_db
def test_the_django_admin_is_off_unless_a_setting_turns_it_on(county: County) -> None:
    assert settings.SHEQU_ADMIN_ENABLED is False
    client = Client()
    assert client.get(ADMIN_LOGIN).status_code == 404
    assert client.post(ADMIN_LOGIN, {"username": "root", "password": PASSWORD}).status_code == 404
    client.force_login(make_user(Role.ADMIN, username="root"))
    assert client.get("/django-admin/").status_code == 404
    assert client.get("/django-admin/knox/authtoken/").status_code == 404


@pytest.mark.django_db
def test_a_lock_from_one_address_does_not_lock_the_user_out_elsewhere(county: County) -> None:
    make_user(Role.COMMUNITY_WORKER, county.community_a1, username="zhang")
    stranger = {"REMOTE_ADDR": "198.51.100.66"}
    for _ in range(settings.SHEQU_LOGIN_MAX_FAILURES):
        _post_login(Client(), "zhang", "wrong-password", **stranger)
    assert _post_login(Client(), "zhang", PASSWORD, **stranger).status_code == 200  # locked there
    desk = _post_login(Client(), "zhang", PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert desk.status_code == 302
    token = Client().post(
        TOKEN,
        {"username": "zhang", "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="10.1.2.4",
    )
    assert token.status_code == 200


@pytest.mark.django_db
def test_an_unknown_username_gets_the_same_answers_as_a_locked_one(county: County) -> None:
    make_user(Role.COMMUNITY_WORKER, county.community_a1, username="zhang")

    def answers(username: str) -> list[tuple[int, Any]]:
        out = []
        for _ in range(settings.SHEQU_LOGIN_MAX_FAILURES + 1):
            response = Client().post(
                TOKEN, {"username": username, "password": "wrong-password"}, content_type="application/json"
            )
            out.append((response.status_code, response.json()))
        return out

    with time_machine.travel("2026-12-07 09:30:10 +0800", tick=False):  # locks end in the same minute
        real, unknown = answers("zhang"), answers("nobody-at-all")
        page_real = _post_login(Client(), "zhang", "wrong-password").content.decode()
        page_unknown = _post_login(Client(), "nobody-at-all", "wrong-password").content.decode()
    assert real == unknown
    assert real[-1][1]["code"] == "account_locked"
    assert _errors(page_real) == _errors(page_unknown) != []


def _errors(page: str) -> list[str]:
    return re.findall(r'<ul class="errorlist nonfield"[^>]*>(.*?)</ul>', page, re.S)


def test_drf_throttles_identify_clients_the_same_way(settings: Any) -> None:
    """Left unset, DRF's NUM_PROXIES trusts a client's own X-Forwarded-For: its login throttle
    could be dodged with a new forged address per request."""
    assert api_settings.NUM_PROXIES == settings.SHEQU_NUM_PROXIES == 0
    request = RequestFactory().post(TOKEN, HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="192.0.2.10")
    assert ScopedRateThrottle().get_ident(request) == client_ip(request) == "192.0.2.10"


# --- headers -------------------------------------------------------------------------------------


def _csp(response: Any) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def _assert_common_headers(response: Any) -> None:
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "microphone=()" in response["Permissions-Policy"]
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]
    # Scripts and styles only from this site: nothing from another host, no http: or https: wildcard.
    for directive in ("script-src", "style-src"):
        assert all(source.startswith("'") for source in csp[directive]), csp[directive]
    # Scripts are this site's files and nothing else: an injected inline script or handler, or a
    # string turned into code, does not run.
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]


@pytest.mark.django_db
def test_pages_api_and_schema_carry_the_security_headers(client: Client, county: County) -> None:
    _assert_common_headers(client.get(LOGIN))
    _assert_common_headers(client.get("/api/v1/residents/"))  # a 401
    _assert_common_headers(client.get("/api/schema/"))
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    _assert_common_headers(client.get("/registry/residents/"))
    _assert_common_headers(client.get("/api/v1/residents/"))


@pytest.mark.django_db
def test_pages_load_scripts_and_styles_only_from_this_site(client: Client, county: County) -> None:
    """The policy allows 'self' only, so every page's <script src> and stylesheet must be local,
    and a page has no inline script: only json_script data blocks, which are not run."""
    client.force_login(make_user(Role.ADMIN))
    for url in (LOGIN, "/registry/", "/registry/map/", "/cases/figures/", "/portal/", "/api/docs/"):
        page = client.get(url).content.decode()
        for src in re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"([^\"]+)\"", page):
            assert not re.match(r"^(https?:)?//", src), f"{url} loads {src} from another site"
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert " src=" in tag or 'type="application/json"' in tag, f"{url} has an inline script: {tag}"


TEMPLATES_DIR = ROOT / "shequ"
INLINE_HANDLER = re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
# Alpine's CSP build runs only components registered with Alpine.data: an x-data object literal or
# an arrow function in a directive does nothing there (and logs an error).
ALPINE_CODE = re.compile(r"x-data=\"\{|=>|\$nextTick\(|x-init=")


def test_templates_hold_no_script_the_policy_would_block() -> None:
    """No inline <script>, no onclick=""-style handler, no Alpine code in a template: the policy
    blocks the first two and Alpine's CSP build cannot run the third (docs/security.md says where
    such code goes instead)."""
    found = []
    for template in sorted(TEMPLATES_DIR.rglob("templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        where = template.relative_to(ROOT)
        found += [f"{where}: {tag}" for tag in SCRIPT_TAG.findall(text) if " src=" not in tag]
        found += [f"{where}: {m.group(1)}=" for m in INLINE_HANDLER.finditer(text)]
        found += [f"{where}: {m.group(0)}" for m in ALPINE_CODE.finditer(text)]
    assert not found, found


def test_a_map_tile_server_is_allowed_as_an_image_source_only() -> None:
    assert tile_source("https://{s}.tiles.example.org/{z}/{x}/{y}.png") == "https://*.tiles.example.org"
    assert tile_source("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png") == "http://10.1.2.3:8080"
    assert tile_source("/tiles/{z}/{x}/{y}.png") is None
    assert tile_source("") is None


_PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # no collectstatic here
override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
client = Client()
page = client.get("/accounts/login/", secure=True)
api = client.get("/api/v1/residents/", secure=True)
http = client.get("/accounts/login/")
print(json.dumps({
    "page": dict(page.headers), "api": dict(api.headers), "api_status": api.status_code,
    "cookies": {k: {f: v[f] for f in ("secure", "httponly", "samesite")} for k, v in page.cookies.items()},
    "http": [http.status_code, http.headers.get("Location", "")],
    "settings": {k: getattr(settings, k) for k in (
        "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SECURE")},
}))
"""


def test_production_settings_send_every_header_and_secure_cookies(tmp_path: Path) -> None:
    """SHEQU_PRODUCTION=1 is a different settings module at import time: probe it in its own process
    (it needs no database: the login page and a 401 touch none)."""
    env = {
        **os.environ,
        "SHEQU_PRODUCTION": "1",
        "DJANGO_SETTINGS_MODULE": "shequ.settings",
        "SECRET_KEY": "probe-" + "k" * 60,
        "SHEQU_FIELD_KEY": "cHJvYmUtb25seS1maWVsZC1rZXktMzItYnl0ZXMhISE=",
        "SHEQU_HASH_KEY": "cHJvYmUtb25seS1oYXNoLWtleS0zMi1ieXRlcyEhISE=",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "PYTHONWARNINGS": "ignore",
    }
    out = subprocess.run(
        [sys.executable, "-c", _PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    for headers in (probe["page"], probe["api"]):
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "upgrade-insecure-requests" in headers["Content-Security-Policy"]
    assert probe["api_status"] == 401
    assert probe["cookies"]["csrftoken"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert probe["http"] == [301, "https://testserver/accounts/login/"]
    assert probe["settings"] == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "LANGUAGE_COOKIE_SECURE": True,
    }


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_out_of_reach_of_scripts(client: Client, county: County) -> None:
    make_user(Role.COMMUNITY_WORKER, county.community_a1, username="zhang")
    client.get(LOGIN)
    response = _post_login(client, "zhang", PASSWORD)
    assert response.status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME]["httponly"]
    assert client.cookies[settings.SESSION_COOKIE_NAME]["samesite"] == "Lax"
    assert client.cookies[settings.CSRF_COOKIE_NAME]["httponly"]


# --- CSRF ----------------------------------------------------------------------------------------

# Views that take a POST without a CSRF token, and why that is safe (docs/security.md).
CSRF_EXEMPT = {
    # Open311 clients are other systems that authenticate with an API key in the request, never
    # with a browser's cookies, so a forged cross-site request carries no credentials.
    "open311/v2/": "Open311 GeoReport v2: API key per client, no cookies",
    # The token endpoint checks a username and password sent in the body and uses no session.
    "api/v1/auth/token/": "username and password in the body; no session",
}


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _sample_url(route: str, sample: str = "1") -> str | None:
    """A URL that the route matches: path converters and regex groups filled with a sample value."""
    if "(?P<format>" in route or "drf_format_suffix" in route or route.startswith("django-admin/"):
        return None  # DRF's format-suffix twins are the same views; the admin is Django's own
    url = re.sub(r"\(\?P<\w+>[^)]*\)", sample, route)
    url = re.sub(r"<(?:(\w+):)?\w+>", lambda m: "x" if m[1] in ("slug", "str", "path") else "1", url)
    url = url.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + url


def _resolves_to(url: str, pattern: URLPattern) -> bool:
    try:
        return resolve(url).func is pattern.callback
    except Resolver404:
        return False


@pytest.mark.django_db
def test_every_form_view_refuses_a_post_without_a_csrf_token(county: County) -> None:
    """Walk every URL pattern, POST without a token as a signed-in admin (Django's middleware and
    DRF's session authentication both check), and expect a CSRF refusal, except where documented."""
    admin = make_user(Role.ADMIN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    checked, exempt, unchecked, seen = 0, set(), [], set()
    for route, pattern in _routes(get_resolver().url_patterns):
        urls = [u for u in (_sample_url(route, "1"), _sample_url(route, "a")) if u and u not in seen]
        if not urls:  # not ours to check, or a catch-all behind a route with the same prefix
            continue
        url = next((u for u in urls if _resolves_to(u, pattern)), None)
        if url is None:
            unchecked.append(route)
            continue
        seen.add(url)
        documented = next((key for key in CSRF_EXEMPT if route.startswith(key)), None)
        response = client.post(url, {"anything": "1"})
        # DRF's HTML renderers (the Swagger page) show a bare "403 Forbidden"; the admin may do
        # everything, so a 403 there can only be DRF's session authentication refusing the token.
        drf = hasattr(pattern.callback, "cls")
        refused = response.status_code == 403 and (b"CSRF" in response.content or drf)
        if documented:
            exempt.add(documented)
            assert not refused, f"{route} is documented as exempt but checks CSRF: update CSRF_EXEMPT"
        else:
            assert refused, f"POST {url} without a CSRF token answered {response.status_code}"
            checked += 1
    assert not unchecked, f"could not build a URL for {unchecked}"
    assert exempt == set(CSRF_EXEMPT)
    assert checked > 60  # pages, the portal and the API


def test_the_django_admin_login_checks_csrf(db: Any, settings: Any) -> None:
    settings.SHEQU_ADMIN_ENABLED = True
    response = Client(enforce_csrf_checks=True).post(
        "/django-admin/login/", {"username": "a", "password": "b"}
    )
    assert response.status_code == 403


# --- format suffixes ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_api_route_answers_500_to_a_format_suffix(county: County) -> None:
    """Schemathesis found GET /api/v1/cases/{id}/attachments/0.5/ answering 500: DRF's format
    suffix reached a custom action as an unexpected `format` argument. Every route under the API,
    with a suffix in every place one could go, as an admin who may call them all."""
    client = Client(raise_request_exception=False)
    client.force_login(make_user(Role.ADMIN))
    tried = 0
    for route, _pattern in _routes(get_resolver().url_patterns):
        if not route.startswith("api/v1/"):
            continue
        url = _sample_url(route)
        if url is None:
            continue
        base = url.rstrip("/")
        for variant in {f"{base}.json", f"{base}.json/", f"{base}.5/", f"{base}/0.5/", f"{base}.api"}:
            for method in ("get", "post", "delete"):
                response = getattr(client, method)(variant)
                assert response.status_code < 500, f"{method.upper()} {variant}: {response.status_code}"
                tried += 1
    assert tried > 100
    assert Client().get("/api/v1/cases/1/attachments/0.5/").status_code in (401, 403, 404)


# --- logs ----------------------------------------------------------------------------------------


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the configured console handler writes (settings.LOGGING), in a string."""
    handlers = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert handlers, "settings.LOGGING has no console handler"
    stream = io.StringIO()
    old = [h.setStream(stream) for h in handlers]
    yield stream
    for handler, previous in zip(handlers, old, strict=True):
        handler.setStream(previous)


def test_every_configured_handler_masks_personal_data() -> None:
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler:
            assert any(isinstance(f, MaskPersonalData) for f in handler.filters)


def test_log_lines_never_show_id_numbers_mobile_numbers_or_tokens(log_output: io.StringIO) -> None:
    logger = logging.getLogger("shequ.registry.imports")
    logger.warning("row 7: %s has id %s and phone %s", "张伟", ID_NUMBER, MOBILE)
    logger.warning("lookup +86 138-0013-8000 with Authorization: Token %s", "a" * 40)
    try:
        raise ValueError(f"duplicate resident {ID_NUMBER}")
    except ValueError:
        logger.exception("import failed for 11010519491231002X")
    text = log_output.getvalue()
    assert ID_NUMBER not in text and "11010519491231002X" not in text
    assert MOBILE not in text and "138-0013-8000" not in text and "a" * 40 not in text
    assert "330723********1234" in text and "110105********002X" in text
    assert "138****8000" in text
    assert "duplicate resident 330723********1234" in text  # the traceback too
    assert "张伟" in text  # names are not numbers: the filter is not a blunt instrument
    assert "micro-grid 330723001001001001" in _masked("micro-grid 330723001001001001")


def _masked(text: str) -> str:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, text, None, None)
    MaskPersonalData().filter(record)
    return record.getMessage()


@pytest.mark.django_db
def test_sql_and_its_parameters_are_not_logged_even_at_debug(log_output: io.StringIO) -> None:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True  # what DEBUG=True does: Django logs every query
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s", [MOBILE])
    finally:
        connection.force_debug_cursor = False
        root.setLevel(level)
    assert "SELECT" not in log_output.getvalue()
    assert MOBILE not in log_output.getvalue()


# --- dependency audit ----------------------------------------------------------------------------


def _audit_with(
    report: dict[str, Any] | str, monkeypatch: pytest.MonkeyPatch, **env: str
) -> tuple[int, list[str]]:
    """Run scripts/audit_dependencies.py against a canned pip-audit report."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "audit_dependencies", ROOT / "scripts" / "audit_dependencies.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls: list[str] = []

    def fake_run(command: list[str], **kwargs: Any) -> Any:
        calls.extend(command)
        stdout = report if isinstance(report, str) else json.dumps(report)
        return subprocess.CompletedProcess(command, 1, stdout=stdout, stderr="boom")

    monkeypatch.setattr(module.subprocess, "run", fake_run)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return module.main(), calls


def _dep(name: str, vulns: list[dict[str, Any]] | None = None, skip: str | None = None) -> dict[str, Any]:
    if skip:
        return {"name": name, "skip_reason": skip}
    return {"name": name, "version": "1.0", "vulns": vulns or []}


VULN = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1"], "fix_versions": ["1.1"], "description": "Bad."}


def test_audit_fails_on_a_known_vulnerability(monkeypatch: pytest.MonkeyPatch) -> None:
    status, _calls = _audit_with({"dependencies": [_dep("django"), _dep("lxml", [VULN])]}, monkeypatch)
    assert status == 1


def test_audit_passes_when_nothing_is_known(monkeypatch: pytest.MonkeyPatch) -> None:
    status, calls = _audit_with(
        {"dependencies": [_dep("django"), _dep("shequ", skip="marked as editable")]}, monkeypatch
    )
    assert status == 0
    assert "--skip-editable" in calls


def test_audit_that_could_not_reach_the_service_warns_and_fails_only_when_required(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    offline = {
        "dependencies": [
            _dep(n, skip=f"Dependency not found on PyPI and could not be audited: {n}") for n in "ab"
        ]
    }
    assert _audit_with(offline, monkeypatch)[0] == 0
    assert "NOT RUN" in capsys.readouterr().err
    assert _audit_with("not json", monkeypatch)[0] == 0
    assert _audit_with(offline, monkeypatch, SHEQU_AUDIT_REQUIRED="1")[0] == 1
    assert _audit_with("not json", monkeypatch, SHEQU_AUDIT_REQUIRED="1")[0] == 1
