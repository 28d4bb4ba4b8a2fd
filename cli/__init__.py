"""The `tacit` command line: an entrypoint like the HTTP app, building the services through api/bootstrap.py."""
