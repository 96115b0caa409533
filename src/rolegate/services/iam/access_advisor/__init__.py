"""Service last accessed data
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html): which
services an entity's permissions policies grant (``grants``), the report jobs built from what
rolegate recorded (``report``), and the four operations (``operations``)."""
