// The official OpenAI Node.js client, unmodified, pointed at openchs-ai's
// OpenAI-compatible API: a transcription in each response format, a
// streamed one, a translation, the model list, and the errors an unknown
// model and a wrong key give. Prints one JSON object of what it got.
//
// Usage: node client.js BASE_URL API_KEY RECORDING LONG_RECORDING
const fs = require('fs');
const OpenAI = require('openai');

const [base, key, file, longFile] = process.argv.slice(2);
const client = new OpenAI({ apiKey: key, baseURL: base + '/v1', maxRetries: 0 });

// caught describes the error a call throws.
async function caught(call) {
  try {
    await call();
    return { thrown: false };
  } catch (e) {
    return {
      thrown: true, isAPIError: e instanceof OpenAI.APIError, className: e.constructor.name,
      status: e.status, type: e.type, code: e.code, param: e.param, message: e.message,
    };
  }
}

async function main() {
  const out = { formats: {}, stream: [] };
  for (const format of ['json', 'text', 'srt', 'vtt', 'verbose_json']) {
    out.formats[format] = await client.audio.transcriptions.create({
      file: fs.createReadStream(file), model: 'whisper-1', language: 'en', response_format: format,
      ...(format === 'verbose_json' ? { timestamp_granularities: ['word', 'segment'] } : {}),
    });
  }
  const stream = await client.audio.transcriptions.create({
    file: fs.createReadStream(longFile), model: 'whisper-1', language: 'en', stream: true,
  });
  for await (const event of stream) {
    out.stream.push(event);
  }
  out.translation = await client.audio.translations.create({ file: fs.createReadStream(file), model: 'whisper-1' });
  out.models = (await client.models.list()).data.map((m) => m.id);
  out.unknownModel = await caught(() => client.audio.transcriptions.create({
    file: fs.createReadStream(file), model: 'no-such-model',
  }));
  const stranger = new OpenAI({ apiKey: 'not-a-key-of-this-service', baseURL: base + '/v1', maxRetries: 0 });
  out.wrongKey = await caught(() => stranger.audio.transcriptions.create({
    file: fs.createReadStream(file), model: 'whisper-1',
  }));
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
