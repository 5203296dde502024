// Package audio decodes call recordings (WAV in its many PBX and recorder
// variants, MP3) into the 16 kHz float32 PCM that speech recognition
// consumes.
//
// The container is recognised by its content, never by the file name.
// Decoding streams: the input is read block by block, mixed down (or split
// per channel), resampled to 16 kHz with a Kaiser-windowed sinc polyphase
// filter and appended to the output, so memory follows the size of the
// decoded signal rather than the size of the file. Limits on duration and
// size are checked while reading; a header's claimed sizes never decide how
// much memory is allocated.
//
// Every failure wraps one of the sentinel errors (ErrUnsupportedFormat,
// ErrCorrupt, ErrEmpty, ErrTooLong, ErrTooLarge) for errors.Is, with a
// sentence saying what was wrong with the input.
package audio
