"""Min side's messages tile leads to the notification settings."""

from citizen.home.tiles import connect_tile

connect_tile("messages", endpoint="notifications.settings_page")
