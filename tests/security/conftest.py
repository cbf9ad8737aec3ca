"""The application and its people for the security tests (the same fixtures as the end-to-end tests)."""
from ..e2e.conftest import (  # noqa: F401
    Page,
    _Caller,  # noqa: E402
    api,
    app,
    as_user,
    client,
    start,  # noqa: E402,F401
    visitor,
)


def _delete(self, path: str, **kwargs):
    return self._call("DELETE", path, **kwargs)


_Caller.open_delete = _delete
