"""helsenorge.no message exchange: addressed envelopes out through the outbox, signed
envelopes in through an endpoint, each handed to the service that owns its message function.

Real helsenorge traffic is AMQP with signed and encrypted XML (Helsenorge.Messaging); we
speak that library's HTTP queue transport, which carries the same envelope fields.
"""

from services.domain import Domain

DOMAIN = Domain("helsenorge", models="services.helsenorge.models",
                registers=("services.helsenorge.service",))
