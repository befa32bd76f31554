# media: every .c here goes into libsamtale.a (server/main.c is the binary).
LIB_SRCS += $(wildcard media/*.c)
