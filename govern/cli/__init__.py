"""The `govern` command line: a thin layer over the library."""
