"""Push a bundle to, and pull one from, a TAXII 2.1 collection (taxii2-client).

`api_root` is the API root URL (e.g. ``https://taxii.example/api1/``); the collection URL is
``{api_root}collections/{id}/``. OpenCTI and MISP (through its TAXII server module) expose such
collections; docs/sharing.md shows both.
"""

from __future__ import annotations

import uuid

from distillguard.errors import ConfigError, InputError


def _collection(api_root: str, collection_id: str, user: str | None, password: str | None, verify: bool = True):  # type: ignore[no-untyped-def]
    from taxii2client.v21 import Collection

    url = api_root.rstrip("/") + f"/collections/{collection_id}/"
    return Collection(url, user=user, password=password, verify=verify)


def _explain(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def push(bundle: dict, api_root: str, collection_id: str, *, user: str | None = None, password: str | None = None,
         verify: bool = True, timeout_s: int = 60, skip_types: tuple[str, ...] = ()) -> dict[str, int]:
    """Add the bundle's objects to the collection; returns TAXII status counts (success, failure, pending).

    An object already there with the same id and `modified` is reported as a failure by the
    server and left as it is: that is what a re-export of unchanged results does.
    `skip_types` leaves object types out: medallion 3.0 reads the required `version` property
    of an `extension-definition` as a timestamp and then fails every read of the collection
    (HTTP 500), so against it push with ``skip_types=("extension-definition",)``; the
    definition is static and documented (docs/sharing.md), and import does not need it.
    """
    envelope = {"objects": [o for o in bundle.get("objects", []) if o.get("type") not in skip_types]}
    try:
        status = _collection(api_root, collection_id, user, password, verify).add_objects(
            envelope, wait_for_completion=True, timeout=timeout_s)
    except Exception as exc:  # requests and taxii2client errors: one line, keep the cause
        raise ConfigError(f"TAXII push to {api_root} collection {collection_id} failed: {_explain(exc)}",
                          hint="check the API root URL, the collection id (can_write) and the credentials") from exc
    return {"success": int(status.success_count), "failure": int(status.failure_count),
            "pending": int(status.pending_count)}


def pull(api_root: str, collection_id: str, *, user: str | None = None, password: str | None = None,
         verify: bool = True, added_after: str | None = None) -> dict:
    """Every object (latest version) in the collection, as one bundle dict (all pages followed)."""
    from taxii2client.v21 import as_pages

    try:
        col = _collection(api_root, collection_id, user, password, verify)
        kw = {"added_after": added_after} if added_after else {}
        objects: list[dict] = []
        for page in as_pages(col.get_objects, per_request=100, **kw):
            objects.extend(page.get("objects", []))
    except Exception as exc:
        raise InputError(f"TAXII pull from {api_root} collection {collection_id} failed: {_explain(exc)}",
                         hint="check the API root URL, the collection id (can_read) and the credentials") from exc
    latest: dict[str, dict] = {}
    for o in objects:  # keep one version per id: the latest `modified`
        cur = latest.get(o["id"])
        if cur is None or o.get("modified", "") > cur.get("modified", ""):
            latest[o["id"]] = o
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [latest[k] for k in sorted(latest)]}
