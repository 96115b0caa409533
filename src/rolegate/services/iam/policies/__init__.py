"""Policies of IAM principals: customer and AWS managed policies and their versions, attaching
them, permissions boundaries, inline policies, and the checks every stored document passes.
"""

__all__ = [
    "attachments",
    "aws_managed",
    "boundaries",
    "documents",
    "inline",
    "managed",
    "versions",
]
