"""The floor under the audited ``Patient?identifier=`` search: the same database work in a
minimal Flask + psycopg handler, no framework of ours around it.

Per request: the identity number's keyed hash, one indexed lookup in ``people``, lock one
of the 16 audit chains and read its head (``audit_chain_head``), one audit INSERT with its
SHA-256 link, commit, a small searchset Bundle. What it leaves out (token check, scopes,
FHIR mapping, hooks) is what the project's request path costs on top.

    IDENTITY_HASH_KEY=... FLOOR_DATABASE_URL=postgresql://... \\
        gunicorn --config docker/gunicorn.conf.py --pythonpath bench search_floor:app
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import uuid
from datetime import UTC, datetime

import psycopg
from flask import Flask, jsonify, request

app = Flask(__name__)
HASH_KEY = os.environ["IDENTITY_HASH_KEY"].encode()
DATABASE_URL = os.environ["FLOOR_DATABASE_URL"]
CHAINS = 16
CHAIN_LOCK = 0x4D484100
_local = threading.local()


def connection() -> psycopg.Connection:
    if getattr(_local, "conn", None) is None:
        _local.conn = psycopg.connect(DATABASE_URL)
    return _local.conn


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.get("/fhir/R4/Patient")
def search():
    _system, _, number = request.args.get("identifier", "").partition("|")
    lookup = hmac.new(HASH_KEY, number.encode(), hashlib.sha256).hexdigest()
    conn = connection()
    with conn.cursor() as cur:
        cur.execute("SELECT id, given_name, family_name FROM people "
                    "WHERE national_id_hash = %s ORDER BY id LIMIT 2", (lookup,))
        rows = cur.fetchall()
        for person_id, _given, _family in rows:
            chain = secrets.randbelow(CHAINS)
            cur.execute("SELECT audit_chain_head(%s, %s::smallint)", (CHAIN_LOCK + chain, chain))
            prev = cur.fetchone()[0] or "0" * 64
            fields = {"occurred_at": datetime.now(UTC), "actor_kind": "system",
                      "actor_id": "floor", "subject_person_id": person_id, "action": "search",
                      "resource_type": "Patient", "resource_id": str(person_id),
                      "purpose": "patient-administration", "request_id": uuid.uuid4().hex,
                      "chain": chain, "prev_hash": prev}
            digest = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode())
            cur.execute(
                "INSERT INTO audit_events (occurred_at, actor_kind, actor_id, subject_person_id,"
                " action, resource_type, resource_id, purpose, request_id, chain, prev_hash,"
                " hash) VALUES (%(occurred_at)s, %(actor_kind)s, %(actor_id)s,"
                " %(subject_person_id)s, %(action)s, %(resource_type)s, %(resource_id)s,"
                " %(purpose)s, %(request_id)s, %(chain)s, %(prev_hash)s, %(hash)s) RETURNING id",
                {**fields, "hash": digest.hexdigest()})
            cur.fetchone()
    conn.commit()
    return jsonify({"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "Patient", "id": str(person_id),
                      "name": [{"family": family, "given": [given]}]}}
        for person_id, given, family in rows]})
