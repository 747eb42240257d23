from flask import render_template

from citizen.auth.current import (
    acting_for,
    current_session,
    current_staff_roles,
    login_required,
    staff_required,
)
from citizen.home.staff_entries import entries_for
from citizen.home.tiles import attention_text, tiles_for
from services.db import db
from services.people.models import Organisation


def front_page():
    """What Min helse is, and the ways in; someone logged in gets the way to their home."""
    return render_template("home/front_page.html")


@login_required
def citizen_home():
    representation = acting_for()
    tiles = [(tile, tile.attention(representation),
              tile.status(representation) if tile.status else None,
              tile.link(representation) if tile.link else None)
             for tile in tiles_for(representation)]
    return render_template("home/citizen_home.html", representation=representation,
                           tiles=tiles, attention_text=attention_text)


@staff_required
def staff_home():
    organisation = db.session.get(Organisation, current_session().organisation_id)
    return render_template("home/staff_home.html", organisation=organisation,
                           roles=current_staff_roles(),
                           entries=entries_for(current_staff_roles()))
