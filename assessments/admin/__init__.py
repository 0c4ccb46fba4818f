# Django admin, split by subject: the checklist content, and people (councils and accounts).
from assessments.admin import accounts, content  # noqa: F401
