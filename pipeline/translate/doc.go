// Package translate turns a call's transcript into English. Two backends
// are provided: Whisper, which runs the transcription model's own
// translate task on the audio (local, the same model), and LibreTranslate,
// which sends the transcript's text, chunked on sentence boundaries, to an
// HTTP machine-translation service speaking the LibreTranslate API.
//
// The stage fails soft: Run never returns an error; its result says the
// translation failed and why, and the pipeline continues without it.
package translate
