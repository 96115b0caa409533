"""rolegate: AWS IAM roles and STS, self-hosted."""

__version__ = "0.1.0"
