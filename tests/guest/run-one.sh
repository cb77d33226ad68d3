#!/bin/sh
# Runs one scenario with the TAP helpers in scope and closes its plan.
. /scenarios/lib.sh
. "/scenarios/$1.sh"
tap_done
