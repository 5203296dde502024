// Package pipeline declares the stages a call recording goes through
// (decode, transcribe, translate, classify) as the small interfaces its
// runner consumes. The implementations live in subpackages: audio, whisper,
// translate and risk. The case write-back comes after the pipeline, outside
// it (package queue delivers it, so that a helpline outage never holds up
// a transcription); subpackage caseapi makes the case and talks to OpenCHS.
package pipeline
