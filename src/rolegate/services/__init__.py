"""The operations: what IAM and STS do with a request once it is parsed and its caller known.

* ``iam``: one module per IAM resource family; ``iam.HANDLERS`` maps each operation to its handler.
* ``sts``: one module per STS operation; ``sts.handlers()`` maps them.
* ``authz``: authorization of every operation (the engine-backed decision, its request context).
* ``context``: what every handler receives (:class:`~rolegate.services.context.OperationContext`).

Arrows point down: sts -> iam -> authz, each through the lower package's ``__all__``; the private
modules (``_pagination``, ``_tags``, ``_wire_format``) serve all three. AWS data is in
``rolegate.catalog``.
"""

__all__ = ["authz", "context", "iam", "sts"]
