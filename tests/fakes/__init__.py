"""Local fakes of the external services, for tests."""
