"""Property: changing any bytes of a signed response never yields different signed facts and
never an unexpected exception; the verifier answers with AWS's errors or the original facts."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.domain.errors import ExpiredIdentityToken, IDPRejectedClaim, InvalidIdentityToken
from rolegate.federation.saml_response import SamlTrust, verify_response
from saml_idp import AssertionSpec, SigningKey, signed_response

KEY = SigningKey.generate()
NOW = datetime.now(UTC)
ISSUER = "https://idp.example.com/saml"
TRUST = SamlTrust(ISSUER, (KEY.certificate.public_bytes(Encoding.DER),))
SPEC = AssertionSpec(
    issuer=ISSUER,
    role_arn="arn:aws:iam::123456789012:role/Dev",
    provider_arn="arn:aws:iam::123456789012:saml-provider/Corp",
    issued=NOW,
)
SIGNED = {
    where: base64.b64decode(signed_response(SPEC, KEY, where))
    for where in ("assertion", "response", "both")
}
FACTS = verify_response(base64.b64encode(SIGNED["both"]).decode(), TRUST, NOW)


@settings(max_examples=300)
@given(
    st.sampled_from(sorted(SIGNED)),
    st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=4
    ),
)
def test_mutated_responses_are_refused_or_unchanged(
    where: str, changes: list[tuple[float, int]]
) -> None:
    data = bytearray(SIGNED[where])
    for fraction, value in changes:
        data[int(fraction * len(data))] = value
    try:
        facts = verify_response(base64.b64encode(bytes(data)).decode(), TRUST, NOW)
    except (InvalidIdentityToken, ExpiredIdentityToken, IDPRejectedClaim):
        return
    assert facts == FACTS  # only bytes outside the signed content changed
