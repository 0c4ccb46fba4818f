"""Django admin for the checklist content: versions, areas, questions, quotes and the answer scale."""
