"""Authentication: SigV4 verification (``sigv4``, pure) and AEAD sealing (``keyring``).

``sigv4_canonical`` builds the canonical request and string to sign; ``master_key`` loads or
creates the master key (auth's only I/O).
"""
