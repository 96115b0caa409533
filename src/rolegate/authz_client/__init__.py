"""Protect your own HTTP services with rolegate's authorization service
(docs/authorization-service.md): the route table, a client for ``POST /v1/authorize`` and an
ASGI middleware for Starlette and FastAPI apps."""
