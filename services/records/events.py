"""The notices of the record service (templates in templates/notifications/<event>/).

Each says only that there is something to read and, where the sender's name may be told,
from whom: never what a document is about, or which entry a question was about.
"""

from services.notify.events import register_event

#: The hospital added a document she can read (at its release time, not before).
DOCUMENT_NEW = register_event("records.document-new", essential=False)
#: A records officer answered her "ask why" question.
QUESTION_ANSWERED = register_event("records.question-answered", essential=True)
#: The copy of her record she asked for is ready to download.
EXPORT_READY = register_event("records.export-ready", essential=True)
