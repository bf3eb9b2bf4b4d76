#!/bin/sh
# Regenerates epss.csv.gz from epss.csv (the gzip form FIRST publishes).
cd "$(dirname "$0")" && gzip -9 -n -c epss.csv > epss.csv.gz
