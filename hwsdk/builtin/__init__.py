"""Built-in targets, registered through the ``hwsdk.plugins`` entry points like any plugin."""
