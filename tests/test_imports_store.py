"""One catalogue store (issue 12, issue 13 item 5): every import goes to the nominations
database, so a second app server on the same database serves it after its refresh and its ETags
change; a failing import stores nothing; lists that an older version wrote into the instance
folder are moved into the database once."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
import yaml
from nominations_support import hidden, login

from geo_service.store import EXTENSION, move_instance_imports
from geo_service.store.changes import CatalogueStore

ITEMS = "/collections/initiatives/items?f=json&limit=1000"


@pytest.fixture(scope="module")
def two_servers(settings, tmp_path_factory):
    """Two app instances (as on two machines) sharing one SQLite database, each with its own instance folder."""
    from geo_service.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('shared-db') / 'nominations.sqlite3'}"
    apps = [
        create_app(replace(settings, database_url=url, instance_dir=tmp_path_factory.mktemp(f"server-{n}")))
        for n in (1, 2)
    ]
    for app in apps:
        app.config["TESTING"] = True
    yield apps
    for app in apps:
        app.extensions[EXTENSION].engine.dispose()


def _upload(client, text: str, name: str):
    token = hidden(client.get("/moderation/import").data, "csrf_token")
    return client.post(
        "/moderation/import",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.slow
def test_an_import_through_one_server_is_served_by_the_other(two_servers):
    first, second = two_servers
    reader = second.test_client()
    before = reader.get(ITEMS)
    assert before.status_code == 200 and "Imported on server one" not in before.get_data(as_text=True)
    client = first.test_client()
    login(client, first.extensions[EXTENSION])
    response = _upload(
        client, "name,place,themes,source_publisher\nImported on server one,Namur,language,Namur city\n", "list.csv"
    )
    assert response.status_code == 200 and 'id="import-done"' in response.get_data(as_text=True)
    second.extensions["geo_service"].refresh()  # what its once-a-second poll does
    after = reader.get(ITEMS)
    assert "Imported on server one" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]
    [batch] = [b for b in second.extensions[EXTENSION].imports() if b.via == "moderation"]
    assert (batch.actor, batch.filename, batch.records, batch.sites) == ("moderator1", "list.csv", 1, 1)


def test_a_second_list_of_the_same_name_keeps_the_first(two_servers):
    first, second = two_servers
    client = first.test_client()
    login(client, first.extensions[EXTENSION])
    for name in ("First list café", "Second list café"):
        assert (
            _upload(
                client, f"name,place,themes,source_publisher\n{name},Mons,language,Mons city\n", "same-name.csv"
            ).status_code
            == 200
        )
    names = {r["name"] for r in second.extensions[EXTENSION].records()}
    assert {"First list café", "Second list café"} <= names


@pytest.mark.slow
def test_a_failing_import_stores_nothing(two_servers):
    first, _ = two_servers
    store = first.extensions[EXTENSION]
    client = first.test_client()
    login(client, store)
    imports, records, revision = len(store.imports()), len(store.records()), store.revision()
    response = _upload(
        client, "name,place,themes,source_publisher\nGood,Gent,language,x\nBad,Atlantis,language,x\n", "list.csv"
    )
    assert response.status_code == 422
    assert (len(store.imports()), len(store.records()), store.revision()) == (imports, records, revision)


def test_instance_folder_lists_are_moved_into_the_database_once(tmp_path, boundaries):
    from geo_service.catalogue.importer import parse_import

    records = parse_import(
        "name,place,themes,source_publisher\nOld list café,Leuven,language,Leuven city\n".encode(),
        "old.csv",
        boundaries,
    )
    folder = tmp_path / "imports"
    folder.mkdir()
    (folder / "old.yaml").write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    (folder / "broken.yaml").write_text("- [unclosed", encoding="utf-8")
    store = CatalogueStore(f"sqlite:///{tmp_path / 'nominations.sqlite3'}")
    try:
        assert move_instance_imports(store, folder) == 1
        assert move_instance_imports(store, folder) == 0  # the next start (or worker) adds nothing
        [batch] = store.imports()
        assert (batch.via, batch.filename, batch.records) == ("instance-folder", "old.yaml", 1)
        assert [r["name"] for r in store.records()] == ["Old list café"]
    finally:
        store.engine.dispose()
