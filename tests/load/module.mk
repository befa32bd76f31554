# The native load generator and media checker (tests/load/): a library of
# its own, linked into its program and its unit tests, never into the server.
LOAD_SRCS += tests/load/marker.c
LOAD_SRCS += tests/load/janus_api.c
LOAD_SRCS += tests/load/janus_flow.c
LOAD_SRCS += tests/load/vp8_clip.c
LOAD_SRCS += tests/load/vp8_send.c
LOAD_SRCS += tests/load/vp8_recv.c
LOAD_SRCS += tests/load/load_stats.c
LOAD_SRCS += tests/load/load_audio.c
LOAD_SRCS += tests/load/load_video.c
LOAD_SRCS += tests/load/load_repair.c
LOAD_SRCS += tests/load/load_fb.c
LOAD_SRCS += tests/load/load_peer.c
LOAD_SRCS += tests/load/load_sdp.c
LOAD_SRCS += tests/load/load_part.c
LOAD_SRCS += tests/load/load_media.c
LOAD_SRCS += tests/load/load_signal.c
LOAD_SRCS += tests/load/load_signal_janus.c
LOAD_SRCS += tests/load/load_report.c
LOAD_SRCS += tests/load/load_report_fb.c
