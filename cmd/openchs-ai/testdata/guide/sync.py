# The integration guide's "Pattern 2: Syncing Cases to External System" and
# "Pattern 3: Real-Time Status Updates", verbatim, against a running serve:
#
#   python3 sync.py BASE_URL API_KEY
#
# Changes to the guide's code, and nothing else:
#  - 'https://helpline.example.com' and 'your-api-key' are BASE_URL and
#    API_KEY from the command line (import sys added to read them).
#  - your_crm_api, which the guide leaves to the reader, is defined before
#    the usage: a small object whose upsert_case records and prints each
#    case.
#  - Pattern 3's usage names `openchs`, which the guide never defines in
#    Python (it is the Node example's name): it is bound to Pattern 2's
#    OpenCHSSync object, the client with get_cases_since.
#  - Between creating the monitor and polling, one case's status is moved
#    (PUT through the same session) so that the first poll has an update.
#  - The monitor's loop never ends by itself: time.sleep is replaced, after
#    the guide's imports, by a function that raises StopMonitor, a
#    BaseException (the guide's `except Exception` does not catch it), so
#    the loop ends at its first sleep, after one poll; the wrapper catches
#    StopMonitor. The sleep asked for (60) is printed.
#  - The test runs this with TZ=UTC: the guide sends datetime.now(), a
#    local time without a zone, which the helpline reads as UTC.
import sys

BASE_URL, API_KEY = sys.argv[1], sys.argv[2]

# Python example
import requests
from datetime import datetime, timedelta
class OpenCHSSync:
    def __init__(self, base_url, api_key):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({'X-API-Key': api_key})
    
    def get_cases_since(self, since_date):
        """Get all cases created/updated since a specific date"""
        response = self.session.get(
            f'{self.base_url}/helpline/api/cases',
            params={
                'updated_since': since_date.isoformat(),
                'limit': 100
            }
        )
        response.raise_for_status()
        return response.json()
    
    def sync_to_external_system(self, external_api):
        """Sync recent cases to external CRM"""
        # Get cases from last hour
        since_date = datetime.now() - timedelta(hours=1)
        cases = self.get_cases_since(since_date)
        
        for case in cases:
            # Transform to external format
            external_case = {
                'external_id': case['case_number'],
                'title': case['title'],
                'status': case['status'],
                'priority': case['priority'],
                'created_at': case['created_at']
            }
            
            # Create or update in external system
            external_api.upsert_case(external_case)


# Added: the external CRM the guide leaves to the reader.
class CRM:
    def __init__(self):
        self.cases = {}

    def upsert_case(self, external_case):
        self.cases[external_case['external_id']] = external_case
        print(f"CRM upsert {external_case['external_id']} {external_case['status']} "
              f"{external_case['priority']} {external_case['title']!r} {external_case['created_at']}")

your_crm_api = CRM()

# Usage
sync = OpenCHSSync(BASE_URL, API_KEY)
sync.sync_to_external_system(your_crm_api)
print(f"CRM holds {len(your_crm_api.cases)} cases")

import time
class CaseMonitor:
    def __init__(self, openchs_client):
        self.client = openchs_client
        self.last_check = datetime.now()
    
    def poll_for_updates(self, callback):
        """Poll for case updates every minute"""
        while True:
            try:
                # Get cases updated since last check
                cases = self.client.get_cases_since(self.last_check)
                
                for case in cases:
                    # Trigger callback for each update
                    callback(case)
                
                self.last_check = datetime.now()
                time.sleep(60)  # Poll every minute
                
            except Exception as e:
                print(f"Error polling updates: {e}")
                time.sleep(60)


# Added: the loop ends at its first sleep.
class StopMonitor(BaseException):
    pass

def stop_sleep(seconds):
    print(f"monitor would sleep {seconds}s; stopping")
    raise StopMonitor()

time.sleep = stop_sleep
openchs = sync

# Usage
def handle_case_update(case):
    print(f"Case {case['case_number']} updated to {case['status']}")
    # Send notification, update dashboard, etc.
monitor = CaseMonitor(openchs)

# Added: one case changes after the monitor started.
first = sorted(your_crm_api.cases)[0]
r = sync.session.put(f'{BASE_URL}/helpline/api/cases/{first}', json={'status': 'in_progress'})
r.raise_for_status()
print(f"moved {first} to in_progress")

try:
    monitor.poll_for_updates(handle_case_update)
except StopMonitor:
    print("monitor stopped")
