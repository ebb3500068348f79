"""The running app's workspace, store and forms, for views to reach without importing the app."""

from flask import current_app


def get_workspace():
    return current_app.extensions["workspace"]


def get_store():
    return get_workspace().store


def get_forms():
    return current_app.extensions["forms"]
