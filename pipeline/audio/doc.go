// Package audio decodes call recordings (WAV in its many PBX and recorder
// variants, MP3) into the 16 kHz float32 PCM that speech recognition
// consumes.
//
// The container is recognised by its content, never by the file name.
// Decoding streams: the input is read block by block, mixed down (or split
// per channel), resampled to 16 kHz and appended to the output, so memory
// follows the size of the decoded signal rather than the size of the file.
// Resampling uses Kaiser-windowed filters: half-band stages while the rate
// is 36 kHz or more, then a polyphase sinc filter flat to ±0.01 dB up to
// 7 kHz that rejects everything from 8 kHz on by more than 60 dB. The
// filters' inner loops run as AVX2/FMA kernels where the CPU has them
// (internal/vec), as plain Go elsewhere; scripts/bench-audio.sh times the
// whole decode next to ffmpeg's.
//
// WAV is read by a RIFF chunk walker of its own (go-audio/wav needs a
// seekable input, loads whole chunks by their claimed size and knows no
// G.711): PCM 8–32 bit, IEEE float, μ-law, A-law, WAVE_FORMAT_EXTENSIBLE,
// RF64. MP3 (MPEG-1, 2 and 2.5 layer III) is decoded by internal/mp3, a
// modified go-mp3; LAME/Xing gapless information is honoured, so the
// result lines up with the audio that was encoded. Limits on duration and
// size are checked while reading; a header's claimed sizes never decide how
// much memory is allocated.
//
// Every failure wraps one of the sentinel errors (ErrUnsupportedFormat,
// ErrCorrupt, ErrEmpty, ErrTooLong, ErrTooLarge) for errors.Is, with a
// sentence saying what was wrong with the input.
package audio
