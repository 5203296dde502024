# The integration guide's "Example: Robust Integration Class", verbatim
# between the markers. Added around it: the command-line arguments (base
# URL, key, the case this service sends as JSON) and the calls at the end.
import json
import sys

# --- guide code (verbatim) ---
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
# --- end of guide code ---

base_url, api_key, ours = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
client = RobustOpenCHSClient(base_url, api_key)
guide = client.create_case({
    'title': 'Child safety concern from hotline',
    'description': 'Caller reported concern about child welfare',
    'category': 'abuse',
    'priority': 'high',
    'reporter_phone': '+254700123456',
    'reporter_email': 'reporter@example.com',
})
print('guide case created', guide['case_number'])
# The case this service sends passes the guide's own validation.
made = client.create_case(ours)
print('our case created', made['case_number'])
try:
    client.create_case({'title': 't', 'category': 'abuse', 'priority': 'urgent'})
except ValueError as e:
    print('validation refused:', e)
