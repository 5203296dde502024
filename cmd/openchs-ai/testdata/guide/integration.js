// The integration guide's "Pattern 1: Case Creation from External System"
// (Node.js, axios), verbatim, against a running serve:
//
//   NODE_PATH=$OPENCHS_AI_CACHE/node/node_modules node integration.js BASE_URL API_KEY
//
// Changes to the guide's code, and nothing else:
//  - 'https://helpline.example.com' and 'your-api-key' are BASE_URL and
//    API_KEY from the command line.
//  - The usage is wrapped in an async main(): the guide's top-level await
//    is a syntax error in a CommonJS script.
//  - After the guide's usage, main() also calls getCaseStatus and
//    updateCase, which the guide defines but does not call, and creates a
//    case the helpline refuses (no title), to show createCase's error
//    path.
// axios comes from scripts/node's lock file (scripts/deps.sh test).
const [BASE_URL, API_KEY] = process.argv.slice(2);

// Node.js example
const axios = require('axios');
class OpenCHSIntegration {
  constructor(baseUrl, apiKey) {
    this.client = axios.create({
      baseURL: baseUrl,
      headers: {
        'X-API-Key': apiKey,
        'Content-Type': 'application/json'
      }
    });
  }
  async createCase(caseData) {
    try {
      const response = await this.client.post('/helpline/api/cases', {
        title: caseData.title,
        description: caseData.description,
        category: caseData.category,
        priority: caseData.priority,
        reporter_phone: caseData.reporterPhone,
        reporter_email: caseData.reporterEmail
      });
      
      return {
        success: true,
        caseId: response.data.id,
        caseNumber: response.data.case_number
      };
    } catch (error) {
      console.error('Failed to create case:', error.message);
      return {
        success: false,
        error: error.message
      };
    }
  }
  async getCaseStatus(caseId) {
    const response = await this.client.get(`/helpline/api/cases/${caseId}`);
    return response.data;
  }
  async updateCase(caseId, updates) {
    const response = await this.client.put(
      `/helpline/api/cases/${caseId}`,
      updates
    );
    return response.data;
  }
}

async function main() {
// Usage
const openchs = new OpenCHSIntegration(
  BASE_URL,
  API_KEY
);
// Create case from your system
const result = await openchs.createCase({
  title: 'Child safety concern from hotline',
  description: 'Caller reported concern about child welfare',
  category: 'abuse',
  priority: 'high',
  reporterPhone: '+254700123456',
  reporterEmail: 'reporter@example.com'
});
console.log('Created case:', result.caseNumber);

  // Added: the guide's other two methods, and its error path.
  const status = await openchs.getCaseStatus(result.caseId);
  console.log('Status:', status.status, status.priority, status.reporter_phone, status.reporter_email);
  const updated = await openchs.updateCase(result.caseId, { status: 'in_progress', note: 'Counsellor assigned' });
  console.log('Updated:', updated.status);
  const again = await openchs.getCaseStatus(result.caseNumber);
  console.log('Status by number:', again.status);
  const refused = await openchs.createCase({ category: 'abuse', priority: 'high' });
  console.log('Refused:', refused.success, refused.error);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
