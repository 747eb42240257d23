"""The notices of wound follow-up (templates in templates/notifications/<event>/).

Neither names the operation, the wound or an infection: only that the hospital has a few
questions, and where to answer them.
"""

from services.notify.events import register_event

#: The questionnaire is open (on the due day).
QUESTIONNAIRE_OPEN = register_event("wound.questionnaire-open", essential=True)
#: Three and seven days after, while it is not answered.
QUESTIONNAIRE_REMINDER = register_event("wound.questionnaire-reminder", essential=True)
#: Her answer is received (a receipt; it says nothing of what she answered).
ANSWER_RECEIVED = register_event("wound.answer-received", essential=False)
