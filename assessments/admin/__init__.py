# Django admin, split by subject: the checklist content, people (councils and accounts), and
# background work (emails and tasks).
from assessments.admin import accounts, background, content  # noqa: F401
