# base: errors and logging, below every other folder.
LIB_SRCS += $(wildcard base/*.c)
