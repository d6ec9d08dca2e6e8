"""This app's key, registering peers (page and CLI), and the delivery run command."""

from __future__ import annotations

import json
import stat

import pytest

from tests.helpers import page_text


def test_the_key_is_made_once_private_and_stable(app):
    from eoffice.exchange import keys

    path = keys.key_path()
    first = keys.public_key_text()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.public_key_text() == first and keys.file_mode_ok()
    raw = keys.parse_public_key(first)
    assert keys.parse_public_key(first.removeprefix("ed25519:")) == raw
    assert len(keys.fingerprint(raw).split()) == 8
    signature = keys.sign(b"isi")
    public = first.removeprefix("ed25519:")
    assert keys.verify(public, b"isi", signature)
    assert not keys.verify(public, b"isi lain", signature)
    assert not keys.verify(public, b"isi", "bukan-base64!")
    with pytest.raises(ValueError):
        keys.parse_public_key("ed25519:AAAA")


@pytest.mark.parametrize(("url", "key", "field"), [
    ("ftp://eoffice.example.go.id", None, "base_url"),
    ("http://eoffice.example.go.id", None, "base_url"),  # unencrypted, not loopback
    ("https://eoffice.example.go.id?x=1", None, "base_url"),
    ("https://eoffice.example.go.id", "ed25519:AAAA", "public_key"),
    ("https://eoffice.example.go.id", "own", "public_key"),
])
def test_peer_validation(app, url, key, field):
    from eoffice.exchange import keys, services

    if key is None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        raw = keys.raw_public(Ed25519PrivateKey.generate())
        key = "ed25519:" + __import__("base64").b64encode(raw).decode()
    elif key == "own":
        key = keys.public_key_text()
    with pytest.raises(services.ExchangeError) as caught:
        services.save_peer(None, name="Kota Uji", base_url=url, public_key=key)
    assert field in caught.value.errors


def test_https_and_loopback_are_accepted_and_a_key_belongs_to_one_peer(app, peer):
    from eoffice.exchange import services

    assert services.clean_base_url("https://eoffice.baubaukota.go.id/") == \
        "https://eoffice.baubaukota.go.id"
    assert services.clean_base_url("http://127.0.0.1:5001") == "http://127.0.0.1:5001"
    with pytest.raises(services.ExchangeError) as caught:
        services.save_peer(None, name="Kembar", base_url="https://x.go.id",
                           public_key=peer.public_text)
    assert "public_key" in caught.value.errors


def test_peers_page_for_administrators(app, client, login, office, peer):
    from eoffice.exchange import keys

    login(office.users["clerk"])
    assert client.get("/pertukaran/mitra").status_code == 403
    login(office.users["admin"])
    page = page_text(client.get("/pertukaran/mitra"))
    assert keys.public_key_text() in page and peer.key_id in page
    response = client.post("/pertukaran/mitra/baru", data={
        "name": "Provinsi Uji", "base_url": "https://eoffice.provinsi-uji.go.id",
        "public_key": "bukan kunci", "active": "y"})
    assert "Not an Ed25519 public key" in page_text(response)
    edit = client.post(f"/pertukaran/mitra/{peer.peer.id}/ubah", data={
        "name": "Kota Bau-Bau", "base_url": "https://eoffice.baubaukota.go.id",
        "public_key": peer.public_text})  # active unticked: disabled
    assert edit.status_code == 302
    from eoffice.extensions import db

    db.session.expire_all()
    assert peer.peer.active is False and peer.peer.base_url.startswith("https://")
    assert client.get("/pertukaran/kiriman").status_code == 403  # admin: no outgoing.view


def test_cli_show_key_add_peer_run_and_status(app, peer, wire):
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["eoffice", "exchange", "show-key", "--json"])
    assert shown.exit_code == 0
    info = json.loads(shown.output)
    from eoffice.exchange import keys

    assert info["public_key"] == keys.public_key_text() and info["key_id"] == keys.own_key_id()
    added = runner.invoke(args=["eoffice", "exchange", "add-peer", "--name", "Kota Dua",
                                "--url", "http://127.0.0.1:5002", "--key", peer.public_text])
    assert added.exit_code != 0 and "public_key" in added.output  # the key is Bau-Bau's
    updated = runner.invoke(args=["eoffice", "exchange", "add-peer", "--name", "Kota Bau-Bau",
                                  "--url", "http://127.0.0.1:5003", "--key", peer.public_text])
    assert updated.exit_code == 0, updated.output
    assert "127.0.0.1:5003" in runner.invoke(args=["eoffice", "exchange", "peers"]).output
    run = runner.invoke(args=["eoffice", "exchange", "run"])
    assert run.exit_code == 0 and "0 dicoba" in run.output
    assert "Pengiriman" in runner.invoke(args=["eoffice", "exchange", "status"]).output


def test_identity_endpoint_is_public(app, client):
    from eoffice.exchange import keys

    data = client.get("/exchange/v1/identity").get_json()
    assert data["public_key"] == keys.public_key_text() and data["protocol_version"] == 1
