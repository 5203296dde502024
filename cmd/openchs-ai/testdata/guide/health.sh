#!/usr/bin/env bash
# The integration guide's troubleshooting check of an API key, verbatim,
# against a running serve:
#
#   bash health.sh BASE_URL API_KEY
#
# Changes to the guide's command, and nothing else:
#  - https://your-domain.com and your-api-key are BASE_URL and API_KEY.
#  - -s -o /dev/null -w '%{http_code}\n' added, so that the status the
#    guide says to expect ("Response should be 200 OK") is printed.
#  - The same request is sent once more without the X-API-Key header; it
#    must be refused (401).
set -euo pipefail
BASE_URL=$1 API_KEY=$2

# Check API key validity
curl -X GET "$BASE_URL/helpline/api/health" \
  -H "X-API-Key: $API_KEY" -s -o /dev/null -w 'with key: %{http_code}\n'
# Response should be 200 OK

curl -X GET "$BASE_URL/helpline/api/health" -s -o /dev/null -w 'without key: %{http_code}\n'
curl -X GET "$BASE_URL/helpline/api/health" \
  -H "X-API-Key: not-$API_KEY" -s -o /dev/null -w 'wrong key: %{http_code}\n'
