"""A user's credentials other than access keys and MFA devices: console passwords (login
profiles, ChangePassword, and the sign-in check a console uses), SSH public keys, X.509 signing
certificates and service-specific credentials."""
