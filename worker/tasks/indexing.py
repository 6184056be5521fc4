"""Celery tasks of this area; the domain logic lives outside the task module."""
