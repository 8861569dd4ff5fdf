"""Storage: the schema, the database and the repositories.

The tables are defined in `models.py`, `publication_models.py` (locked periods and held
questions), `plan_models.py` (delivery plans, which refer to outcomes), `report_models.py`
(comparator figures and published progress reports) and `conversation_models.py` (where
waymark posts without being asked). All of them are
imported here, so that whatever part of storage is used first, the schema knows every table
(`storage.models.Base.metadata`), and `models.py` need not import the modules that import it.
"""

from __future__ import annotations

import storage.changes
import storage.conversation_models
import storage.models
import storage.plan_models
import storage.report_models  # noqa: F401
