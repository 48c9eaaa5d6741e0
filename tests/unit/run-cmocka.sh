#!/bin/bash
# Run one cmocka test binary and restate its result as `N passed, N failed`
# for tests/run.sh. cmocka's own summary lines are kept in the output.
set -uo pipefail
bin=$1
out=$("$bin" 2>&1)
rc=$?
echo "$out"
pass=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
failn=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
pass=${pass:-0}
failn=${failn:-0}
# A crash before cmocka's summary is a failure even with nothing counted.
[ "$rc" = 0 ] || [ "$failn" != 0 ] || failn=1
echo "$pass passed, $failn failed"
[ "$rc" = 0 ]
