// Package whisper transcribes speech locally with whisper.cpp, through its
// Go bindings. An Engine owns the loaded models (one per concurrent slot,
// since a whisper.cpp context is not safe for concurrent use), the CPU
// backend loading, cancellation and progress reporting. The catalog
// resolves model names to verified files in the cache.
package whisper
