"""The diagram check's messages in the reader's language.

The check (a service shared with the API and the command line) words its problems in English for
scripts and logs. The editor page shows them in Thai: each known message is matched by a pattern and
its words are taken from the catalogs; `$1`, `$2` … stand for what the pattern captured (an element id,
a lane's name). A message no pattern knows is shown as the check wrote it.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The check's own wording, first match wins; keep these in step with diagram_check and the engine's checks.
PATTERNS = (
    (r"^the step is in no lane", _l("The step is in no lane: put it in the lane of the group that does it, "
                                    "or it reaches nobody's inbox.")),
    (r"^lane '([^']*)' is not a group of the office", _l("Lane “$1” is not one of the office's groups: choose the "
                                                         "lane's group.")),
    (r"^the step names no form", _l("The step has no form: choose its form.")),
    (r"^form (\S+) does not exist", _l("Form $1 does not exist.")),
    (r"^form (\S+) is not valid JSON", _l("Form $1 is not valid JSON.")),
    (r"^the process has no start event", _l("The process has no start event.")),
    (r"^cannot be reached from a start event", _l("This element cannot be reached from a start event.")),
    (r"^flows (.+) have no condition and are not the default", _l("Flows $1 have no condition and none is the "
                                                                  "default flow.")),
    (r"^(sourceRef|targetRef) points to '([^']*)'", _l("The flow points to “$2”, which is not in this process.")),
    (r"^the id is used by more than one element", _l("The id is used by more than one element.")),
    (r"^calls process '([^']*)', which is not deployed", _l("Calls process “$1”, which is not deployed.")),
    (r"^the call activity names no process", _l("The call activity names no process.")),
    (r"^timer (duration|date|cycle) '([^']*)' is not an ISO 8601",
     _l("Timer “$2” is not written in ISO 8601 form (e.g. P3D, 2027-01-31T09:00:00+07:00).")),
    (r"has a syntax error", _l("The expression has a syntax error.")),
    (r"^the diagram could not be parsed", _l("The diagram could not be read.")),
)


def catalog() -> list[dict[str, str]]:
    """The patterns with their text in the current language, for the page's script."""
    return [{"pattern": pattern, "text": str(text)} for pattern, text in PATTERNS]
