"""The JSON API at ``/api/v1``: its conventions, in one place (docs/api.md).

- ``blueprint.py`` lists every route; the views live with their feature
  (``citizen/<feature>/api.py``) and are described with ``@operation`` (``operations.py``);
- ``origin.py`` is the CSRF rule for JSON (no tokens: same origin and a JSON body);
- ``openapi.py`` builds ``/api/v1/openapi.json`` from the routes and their schemas;
- ``paging.py`` is keyset paging, ``{"items": [...], "next": url | null}``;
- ``schemas.py`` holds the shapes every endpoint shares (problem details, a page).

Nothing is imported here, so a feature's views can use the conventions while
``blueprint.py`` imports those views.
"""
