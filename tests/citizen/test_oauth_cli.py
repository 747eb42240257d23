"""``flask clients create`` / ``deactivate``: operators register the systems that call us."""

from __future__ import annotations

import json

from werkzeug.security import check_password_hash

from services.clients.models import SystemClient
from tests.oauth_support import generate_client_key, public_jwks
from tests.plugins.db import table_rows

SCOPES = "system/Patient.crus system/*.rs"


def test_create_without_keys_makes_a_secret_client_in_development(cli):
    result = cli.invoke(args=["clients", "create", "Local DIPS", "--scopes", SCOPES])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert set(shown) == {"client_id", "name", "scopes", "auth_method", "client_secret"}
    assert shown["name"] == "Local DIPS"
    assert shown["scopes"] == SCOPES
    assert shown["auth_method"] == "client_secret_basic"
    [stored] = table_rows(SystemClient)
    assert stored.client_id == shown["client_id"]
    assert check_password_hash(stored.secret_hash, shown["client_secret"])


def test_create_with_a_jwks_file_makes_a_key_client_and_prints_no_secret(cli, tmp_path):
    key = generate_client_key()
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(public_jwks(key)))
    result = cli.invoke(args=["clients", "create", "helsenorge.no", "--scopes",
                              "system/Patient.rs", "--jwks", str(path)])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown == {"client_id": shown["client_id"], "name": "helsenorge.no",
                     "scopes": "system/Patient.rs", "auth_method": "private_key_jwt"}
    [stored] = table_rows(SystemClient)
    assert stored.jwks == public_jwks(key)


def test_a_single_jwk_file_is_taken_as_a_set_of_one(cli, tmp_path):
    key = generate_client_key()
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key.as_dict(private=False)))
    result = cli.invoke(args=["clients", "create", "x", "--scopes", "system/*.r",
                              "--jwks", str(path)])
    assert result.exit_code == 0, result.output
    assert table_rows(SystemClient)[0].jwks == public_jwks(key)


def test_production_refuses_secret_clients(db, make_app):
    production = make_app(DEV_FEATURES=False)
    # Commands use the current app if there is one, and ``db`` has pushed the session's app.
    with production.app_context():
        result = production.test_cli_runner().invoke(
            args=["clients", "create", "DIPS", "--scopes", SCOPES])
    assert result.exit_code == 1
    assert "client_secret_basic is a development feature" in result.output
    assert table_rows(SystemClient) == []


def test_bad_input_is_explained_and_nothing_is_stored(cli, tmp_path):
    bad_scope = cli.invoke(args=["clients", "create", "x", "--scopes", "patient/*.rs"])
    assert bad_scope.exit_code == 1
    assert "scopes look like system/Patient.rs" in bad_scope.output

    private = tmp_path / "private.json"
    private.write_text(json.dumps({"keys": [generate_client_key().as_dict(private=True)]}))
    leaked = cli.invoke(args=["clients", "create", "x", "--scopes", SCOPES,
                              "--jwks", str(private)])
    assert leaked.exit_code == 1
    assert "private key" in leaked.output

    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    unreadable = cli.invoke(args=["clients", "create", "x", "--scopes", SCOPES,
                                  "--jwks", str(garbage)])
    assert unreadable.exit_code == 2
    assert "not JSON" in unreadable.output
    assert table_rows(SystemClient) == []


def test_deactivate(cli):
    created = json.loads(cli.invoke(args=["clients", "create", "x", "--scopes", SCOPES]).output)
    result = cli.invoke(args=["clients", "deactivate", created["client_id"]])
    assert result.exit_code == 0, result.output
    assert table_rows(SystemClient)[0].is_active is False

    unknown = cli.invoke(args=["clients", "deactivate", "no-such-client"])
    assert unknown.exit_code == 2
    assert "no client" in unknown.output


def test_create_with_an_organisation_makes_it_that_hospitals_own_system(cli, db):
    from tests.plugins.factories import make_organisation

    hospital = make_organisation()
    result = cli.invoke(args=["clients", "create", "St. Olavs DIPS", "--scopes", SCOPES,
                              "--organisation", "883 974 832"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["organisation"] == "883974832"
    [stored] = table_rows(SystemClient)
    assert stored.organisation_id == hospital.id


def test_create_without_an_organisation_belongs_to_none(cli, db):
    result = cli.invoke(args=["clients", "create", "helsenorge.no", "--scopes", SCOPES])
    assert result.exit_code == 0, result.output
    assert "organisation" not in json.loads(result.output)
    assert table_rows(SystemClient)[0].organisation_id is None


def test_an_unknown_organisation_is_refused_and_nothing_is_stored(cli, db):
    for number in ("999999999", "not-a-number", "８８３９７４８３２"):
        result = cli.invoke(args=["clients", "create", "x", "--scopes", SCOPES,
                                  "--organisation", number])
        assert result.exit_code == 2, result.output
        assert "no organisation with organisation number" in result.output
    assert table_rows(SystemClient) == []


def test_set_organisation_moves_a_client_to_an_organisation_and_back(cli, db):
    from tests.plugins.factories import make_organisation

    hospital = make_organisation()
    created = json.loads(cli.invoke(args=["clients", "create", "DIPS", "--scopes",
                                          SCOPES]).output)
    result = cli.invoke(args=["clients", "set-organisation", created["client_id"], "883974832"])
    assert result.exit_code == 0, result.output
    assert table_rows(SystemClient)[0].organisation_id == hospital.id
    result = cli.invoke(args=["clients", "set-organisation", created["client_id"], "none"])
    assert result.exit_code == 0, result.output
    assert "no organisation" in result.output
    assert table_rows(SystemClient)[0].organisation_id is None
    unknown = cli.invoke(args=["clients", "set-organisation", "no-such-client", "883974832"])
    assert unknown.exit_code == 2 and "no client" in unknown.output
