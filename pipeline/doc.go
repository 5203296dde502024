// Package pipeline declares the stages a call recording goes through
// (decode, transcribe, translate, classify, case write-back) as the small
// interfaces its runner consumes. The implementations live in subpackages:
// audio, whisper, translate, risk and caseapi.
package pipeline
