"""Virtual MFA devices (``devices``), the codes they produce (``codes``) and the
throttling of wrong codes (``attempts``)."""

__all__ = ["attempts", "codes", "devices"]
