"""The commands of the `tracker` command line, one module per area; `tracker.cli` assembles them."""
