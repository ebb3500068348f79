"""The collector: the Flask app, the local store and the `collector` command."""
