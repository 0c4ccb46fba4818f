"""Django admin for councils and accounts."""
