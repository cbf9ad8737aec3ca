"""The application and its people for the security tests (the same fixtures as the end-to-end tests)."""
from ..e2e.conftest import Page, api, app, as_user, client, visitor  # noqa: F401
