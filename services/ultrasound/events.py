"""The notices of the ultrasound service (templates in templates/notifications/<event>/).

All say only that there is something to see, from whom (the trust, never the unit) and,
for the reminder, when: no word of what the appointment is for.
"""

from services.notify.events import register_event

#: The hospital booked her a new appointment.
APPOINTMENT_NEW = register_event("ultrasound.appointment-new", essential=True)
#: The hospital moved an appointment (time or place).
APPOINTMENT_CHANGED = register_event("ultrasound.appointment-changed", essential=True)
#: The hospital cancelled an appointment.
APPOINTMENT_CANCELLED = register_event("ultrasound.appointment-cancelled", essential=True)
#: Before the appointment (ULTRASOUND_REMINDER_HOURS); with SMS confirmation, the SMS asks
#: for "JA" or "RING".
APPOINTMENT_REMINDER = register_event(
    "ultrasound.appointment-reminder", essential=False,
    example={"day": "05.03.2027", "time": "08:30", "confirm_by_sms": True})
