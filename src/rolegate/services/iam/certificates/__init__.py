"""Server certificates: the IAM operations (``server_certificates``) and the checks of what is
uploaded (``pem_checks``)."""
