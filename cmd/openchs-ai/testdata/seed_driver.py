# Runs the OpenCHS guide's AI service examples (seed_ai_client.py, verbatim)
# against a server: python3 seed_driver.py BASE_URL RECORDING.
import os
import sys

base, recording = sys.argv[1], sys.argv[2]
seed = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seed_ai_client.py')
exec(open(seed).read().replace('http://localhost:8123', base))

# The guide's usage, with its arguments.
ai_client = AIServiceClient(base)
result = ai_client.transcribe_and_analyze(recording, 'sw')
print(f"Transcript: {result['transcript']}")
print(f"Translation: {result['translation']}")
print(f"Risk Level: {result['classification']['priority']}")

# The same in the recording's own language, and its status.
result = ai_client.transcribe_and_analyze(recording, 'en')
print(f"English transcript: {result['transcript']}")
status = ai_client.check_processing_status(result['task_id'])
print(f"Status: {status['status']}")

process_with_streaming(recording)
