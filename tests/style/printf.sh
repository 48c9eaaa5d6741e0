#!/bin/bash
# The guest's newlib (Debian's libnewlib-arm-none-eabi) is built without
# _WANT_IO_C99_FORMATS: its printf does not know the length modifiers z, j
# and t (nor hh), so "%zu" consumes the wrong argument and a "%s" after it
# reads a number as a pointer (the guest crashed so on a DNS log line that
# glibc, on the host twin, printed well). Every tracked C file the guest
# may compile (all but the host platform's and the tests') is searched
# for them; use %lu with an (unsigned long) cast, or %llu.
# Usage: tests/style/printf.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -Ev '^(tests|plat/host)/')
found=$(grep -nE '%[-+ #0-9.*]*(z|j|t|hh)[diouxXn]' "${files[@]}" /dev/null)
check "no C99 printf length modifier (z, j, t, hh) in the ${#files[@]} files the guest may build" \
	[ -z "$found" ]
[ -z "$found" ] || echo "$found"
# The check itself: it must see one.
check "  ... and the check finds one when there is one" \
	bash -c "printf 'x(\"%%zu\", n);\n' | grep -qE '%[-+ #0-9.*]*(z|j|t|hh)[diouxXn]'"
done_tests
