"""The IAM policy simulator (:mod:`.operations`): its inputs, the policies it includes, and one
simulation run by the policy engine."""
