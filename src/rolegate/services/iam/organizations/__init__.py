"""The IAM operations that work only inside AWS Organizations: centralized root access
(``root_access``) and the Organizations access reports (``access_reports``). rolegate has no
organizations, so every account is outside one: each operation checks its input and the caller's
permission, as AWS does first, and then answers as AWS answers a standalone account."""
