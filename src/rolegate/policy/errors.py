"""Errors raised by the policy engine.

Both are :class:`~rolegate.domain.errors.MalformedPolicyDocument`, so a service can let them
propagate and the client sees AWS's ``MalformedPolicyDocument`` with the AWS message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rolegate.domain.errors import MalformedPolicyDocument

if TYPE_CHECKING:
    from rolegate.policy.ast import Position
    from rolegate.policy.validate import Finding


class PolicyParseError(MalformedPolicyDocument):
    """The text is not JSON, or not shaped like a policy (AWS: "Syntax errors in policy.").

    ``position`` points at the offending element when it is known; ``detail`` says what was
    wrong for humans (the AWS message itself stays AWS's); ``not_json`` tells text that is not
    JSON at all from JSON that is not a policy.
    """

    def __init__(
        self,
        message: str,
        *,
        position: Position | None = None,
        detail: str = "",
        not_json: bool = False,
    ) -> None:
        super().__init__(message)
        self.position = position
        self.detail = detail
        self.not_json = not_json


class PolicyValidationError(MalformedPolicyDocument):
    """The document parsed but breaks a rule of its policy kind.

    ``message`` is AWS's text for the first problem (the one AWS reports); ``findings`` holds
    every problem found, in AWS's checking order.
    """

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__(findings[0].message)
        self.findings = tuple(findings)
