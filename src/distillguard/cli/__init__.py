"""The `distillguard` command line: one typer app, commands in pipeline order."""
