# base: errors, logging and clocks, below every other folder.
LIB_SRCS += $(wildcard base/*.c)
