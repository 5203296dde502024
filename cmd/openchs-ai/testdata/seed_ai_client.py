# The AI service examples of the OpenCHS integration guide
# ("Integrating with External Systems", section "AI Service Integration"),
# copied verbatim. The guide's streaming example uses json without
# importing it, so the import comes first. The test that runs this file
# replaces http://localhost:8123 with the address of the server under test.
import json
import requests
class AIServiceClient:
    def __init__(self, ai_service_url):
        self.base_url = ai_service_url
    
    def transcribe_and_analyze(self, audio_file_path, language='sw'):
        """Submit audio for complete AI pipeline"""
        with open(audio_file_path, 'rb') as audio_file:
            response = requests.post(
                f'{self.base_url}/audio/process',
                files={'audio': audio_file},
                data={
                    'language': language,
                    'include_translation': 'true',
                    'include_classification': 'true'
                }
            )
        
        return response.json()
    
    def check_processing_status(self, task_id):
        """Check status of async processing"""
        response = requests.get(
            f'{self.base_url}/audio/task/{task_id}'
        )
        return response.json()

import requests
def process_with_streaming(audio_path):
    """Get real-time updates as audio is processed"""
    with open(audio_path, 'rb') as audio:
        response = requests.post(
            'http://localhost:8123/audio/process-stream',
            files={'audio': audio},
            data={'language': 'sw'},
            stream=True
        )
        
        for line in response.iter_lines():
            if line:
                event = json.loads(line)
                
                if event['type'] == 'transcription_progress':
                    print(f"Transcription: {event['progress']}%")
                elif event['type'] == 'transcription_complete':
                    print(f"Text: {event['data']['text']}")
                elif event['type'] == 'classification_complete':
                    print(f"Risk: {event['data']['risk_level']}")
