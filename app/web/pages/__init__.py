"""Server-rendered pages (Thai first, English per user). Importing a page module registers its views on the
blueprint; `init_pages` adds what the pages need to the application (CSRF, catalogs, filters, headers)."""
from . import (  # noqa: F401 - each registers its views
    account,
    auditpages,
    budget,
    casepages,
    dashboard,
    documents,
    editor,
    form_editor,
    home,
    inbox,
    registers,
    session,
    steps,
    versions,
)
from .blueprint import pages  # noqa: F401 - the application factory registers it
from .setup import init_pages  # noqa: F401 - the application factory calls it
