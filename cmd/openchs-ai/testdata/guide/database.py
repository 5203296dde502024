# The integration guide's "Python Database Connection" (pymysql, pandas),
# verbatim, as the read-only user scripts/readonly-user.sh makes, on the
# MariaDB database a serve keeps its cases in:
#
#   python3 database.py HOST DATABASE PASSWORD
#
# Changes to the guide's code, and nothing else:
#  - host='helpline.example.com', database='helpline' and
#    password='secure_password' are HOST, DATABASE and PASSWORD from the
#    command line (import sys added to read them); the user stays
#    external_readonly.
#  - After the guide's usage, the wrapper prints the open cases' numbers
#    and the metrics' totals, and checks that the user cannot write: an
#    INSERT into kase must be refused.
#
# WARNING: get_cases_dataframe and get_daily_metrics build their SQL with
# f-strings from their arguments: that is an SQL injection. The code is
# kept verbatim because it is the guide's contract; this project's own
# code always uses placeholders.
import sys

HOST, DATABASE, PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]

import pymysql
import pandas as pd
class OpenCHSDatabase:
    def __init__(self, host, database, user, password):
        self.connection = pymysql.connect(
            host=host,
            database=database,
            user=user,
            password=password,
            charset='utf8mb4',
            cursorclass=pymysql.cursors.DictCursor
        )
    
    def get_cases_dataframe(self, status=None):
        """Get cases as pandas DataFrame for analysis"""
        query = "SELECT * FROM kase"
        
        if status:
            query += f" WHERE status = '{status}'"
        
        return pd.read_sql(query, self.connection)
    
    def get_daily_metrics(self, days=30):
        """Get daily metrics for reporting"""
        query = f"""
            SELECT * FROM fact_case_daily
            WHERE metric_date >= DATE_SUB(CURDATE(), INTERVAL {days} DAY)
            ORDER BY metric_date DESC
        """
        return pd.read_sql(query, self.connection)
# Usage
db = OpenCHSDatabase(
    host=HOST,
    database=DATABASE,
    user='external_readonly',
    password=PASSWORD
)
# Get all open cases
open_cases = db.get_cases_dataframe(status='open')
print(f"Open cases: {len(open_cases)}")
# Get metrics for dashboard
metrics = db.get_daily_metrics(days=7)
print(metrics[['metric_date', 'new_cases', 'resolved_cases']])

# Added: what the test checks.
print("Open case numbers:", ",".join(sorted(open_cases['case_number'])))
print(f"Metrics totals: new {int(metrics['new_cases'].sum())} resolved {int(metrics['resolved_cases'].sum())}")
try:
    with db.connection.cursor() as cur:
        cur.execute("INSERT INTO kase (title, description, category, priority, request_fingerprint, created_at, updated_at) "
                    "VALUES ('x', '', 'abuse', 'low', 'x', NOW(), NOW())")
    db.connection.commit()
    print("WRITE ALLOWED")
except pymysql.err.MySQLError as e:
    print(f"Write refused: {e.args[0]}")
