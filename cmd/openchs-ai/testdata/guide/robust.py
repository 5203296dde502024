# The integration guide's "Example: Robust Integration Class", verbatim,
# against a running serve:
#
#   python3 robust.py BASE_URL API_KEY [CASE_JSON]
#
# (pipeline/caseapi's tests run it too, against a test helpline, with the
# case this service's write-back sends as CASE_JSON.)
#
# Changes to the guide's code, and nothing else:
#  - The guide defines the class but never uses it: the usage after it is
#    added. It creates a case with the guide's fields, then checks that a
#    missing field and a bad priority raise ValueError before any request
#    is sent (a response hook on the session counts the requests).
#  - import sys added to read BASE_URL and API_KEY from the command line,
#    and json to read CASE_JSON, a case that is also created when given.
import sys

import json
BASE_URL, API_KEY = sys.argv[1], sys.argv[2]
CASE_JSON = sys.argv[3] if len(sys.argv) > 3 else None

import requests
import time
from functools import wraps
def retry_on_failure(max_retries=3, delay=1):
    """Decorator for retry logic"""
    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(max_retries):
                try:
                    return func(*args, **kwargs)
                except requests.exceptions.RequestException as e:
                    if attempt == max_retries - 1:
                        raise
                    time.sleep(delay * (2 ** attempt))  # Exponential backoff
            return None
        return wrapper
    return decorator
class RobustOpenCHSClient:
    def __init__(self, base_url, api_key):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({
            'X-API-Key': api_key,
            'Content-Type': 'application/json'
        })
    
    @retry_on_failure(max_retries=3, delay=2)
    def create_case(self, case_data):
        """Create case with retry logic"""
        # Validate data
        self._validate_case_data(case_data)
        
        response = self.session.post(
            f'{self.base_url}/helpline/api/cases',
            json=case_data,
            timeout=30
        )
        
        response.raise_for_status()
        return response.json()
    
    def _validate_case_data(self, data):
        """Validate case data before submission"""
        required_fields = ['title', 'category', 'priority']
        for field in required_fields:
            if field not in data:
                raise ValueError(f"Missing required field: {field}")
        
        if data['priority'] not in ['low', 'medium', 'high', 'critical']:
            raise ValueError(f"Invalid priority: {data['priority']}")


# Added: the usage.
client = RobustOpenCHSClient(BASE_URL, API_KEY)
sent = []
client.session.hooks['response'].append(lambda r, *args, **kwargs: sent.append(r.request.method))

case = client.create_case({
    'title': 'Child safety concern from hotline',
    'description': 'Caller reported concern about child welfare',
    'category': 'abuse',
    'priority': 'high',
    'reporter_phone': '+254700123456',
    'reporter_email': 'reporter@example.com',
})
print(f"created {case['id']} {case['case_number']} {case['status']} {case['priority']}")
if CASE_JSON:
    ours = client.create_case(json.loads(CASE_JSON))
    print(f"created {ours['id']} {ours['case_number']} {ours['status']} {ours['priority']}")

for bad, want in [
    ({'title': 'No category', 'priority': 'high'}, 'Missing required field: category'),
    ({'category': 'abuse', 'priority': 'high'}, 'Missing required field: title'),
    ({'title': 'No priority', 'category': 'abuse'}, 'Missing required field: priority'),
    ({'title': 'Urgent', 'category': 'abuse', 'priority': 'urgent'}, 'Invalid priority: urgent'),
]:
    before = len(sent)
    try:
        client.create_case(bad)
    except ValueError as e:
        assert str(e) == want, (str(e), want)
        assert len(sent) == before, f"{len(sent) - before} requests sent for an invalid case"
        print(f"ValueError before any request: {e}")
    else:
        raise SystemExit(f"no ValueError for {bad}")
print(f"requests sent: {len(sent)}")
