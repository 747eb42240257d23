"""The notice she gets when her scan was changed through self-service, by her or by someone
acting for her: it says only that a change was registered, and by whom it was sent."""

from services.notify.events import register_event
from services.ultrasound.selfservice import CONFIRMATION_EVENT

# Essential: if it was not she who made the change, this notice is how she finds out.
CHANGE_REGISTERED = register_event(CONFIRMATION_EVENT, essential=True)
