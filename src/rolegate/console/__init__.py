"""The web console (docs/console.md): server-rendered pages under ``/console/`` that call IAM
and STS with the signed-in principal's credentials through the server's own pipeline."""

from rolegate.console.api import ApiClient, ApiError, BrowserOrigin, SessionCredentials
from rolegate.console.app import ConsoleApp
from rolegate.console.backend import Backend, ConsoleGuard, SignInResult, Step

__all__ = [
    "ApiClient",
    "ApiError",
    "Backend",
    "BrowserOrigin",
    "ConsoleApp",
    "ConsoleGuard",
    "SessionCredentials",
    "SignInResult",
    "Step",
]
