# SPDX-License-Identifier: LGPL-2.1-or-later
# cmake -DINPUT=file -DOUTPUT=file.c -DNAME=symbol -P Embed.cmake: writes a C
# source that defines `const char NAME[]`, the bytes of INPUT and a NUL,
# so that a file kept as itself in the sources (the HTML view's page) is
# compiled into memtrace.
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}" "/* Made from ${INPUT} by cmake/Embed.cmake: do not edit. */\n"
	"extern const char ${NAME}[];\nconst char ${NAME}[] = {\n${bytes}0x00\n};\n")
