# The native load generator and media checker (tests/load/): a library of
# its own, linked into its program and its unit tests, never into the server.
LOAD_SRCS += tests/load/marker.c
LOAD_SRCS += tests/load/load_stats.c
