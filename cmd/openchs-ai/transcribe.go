package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/audio"
	"github.com/openchs/openchs-ai/pipeline/speech"
	"github.com/openchs/openchs-ai/pipeline/subtitle"
	"github.com/openchs/openchs-ai/pipeline/whisper"
)

func init() {
	commands["transcribe"] = command{summary: "transcribe one recording (WAV, MP3) and print it", run: runTranscribe, model: true}
}

// modelFlags are the flags every command that loads a model shares.
type modelFlags struct {
	model, sha256 string
	threads       int
	vad           switchFlag
}

func (m *modelFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&m.model, "model", or(getenv("OPENCHS_AI_MODEL"), "tiny-q8_0"),
		"model name ("+strings.Join(whisper.CatalogNames(), ", ")+") or path to a ggml model file (env OPENCHS_AI_MODEL)")
	fs.StringVar(&m.sha256, "model-sha256", getenv("OPENCHS_AI_MODEL_SHA256"), "expected SHA-256 of a model file given by path (env OPENCHS_AI_MODEL_SHA256)")
	fs.IntVar(&m.threads, "threads", 0, "CPU threads per transcription (default: all CPUs, at most 8, for a lone recording; shared when several run at once)")
	m.vad.on = true
	fs.Var(&m.vad, "vad", "on: transcribe only the stretches that hold speech, skipping silence, noise and hold music; off: the whole recording (env OPENCHS_AI_VAD)")
}

// speech wraps the engine with silence skipping (unless --vad=off) and the
// hallucination guards.
func (m *modelFlags) speech(eng *whisper.Engine) (*speech.Transcriber, error) {
	return speech.New(eng, speech.Config{VADOff: !m.vad.on})
}

// switchFlag is a flag that is on or off (on, off, true, false, yes, no);
// given alone it means on.
type switchFlag struct{ on bool }

func (s *switchFlag) String() string {
	if s != nil && s.on {
		return "on"
	}
	return "off"
}

func (s *switchFlag) Set(v string) error {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "yes", "1":
		s.on = true
	case "off", "false", "no", "0":
		s.on = false
	default:
		return fmt.Errorf("%q is neither on nor off", v)
	}
	return nil
}

func (s *switchFlag) IsBoolFlag() bool { return true }

// open resolves and loads the model.
func (m *modelFlags) open(getenv func(string) string, slots int, demand func() int) (*whisper.Engine, error) {
	model, err := whisper.Resolve(m.model, cacheDir(getenv), m.sha256)
	if err != nil {
		return nil, err
	}
	return whisper.Open(whisper.Config{
		Model:      model,
		Threads:    m.threads,
		Slots:      slots,
		Demand:     demand,
		BackendDir: getenv("OPENCHS_AI_GGML_BACKENDS"),
		Verbose:    getenv("OPENCHS_AI_WHISPER_LOG") != "",
	})
}

// cacheDir is where provisioned models live.
func cacheDir(getenv func(string) string) string {
	if d := getenv("OPENCHS_AI_CACHE"); d != "" {
		return d
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "openchs-ai")
	}
	return filepath.Join(os.TempDir(), "openchs-ai-cache")
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func runTranscribe(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("transcribe", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: openchs-ai transcribe [flags] FILE")
		fmt.Fprintln(e.stderr, "Transcribes a WAV or MP3 recording and prints the transcript.")
		fs.PrintDefaults()
	}
	var mf modelFlags
	mf.register(fs, e.getenv)
	lang := fs.String("language", "auto", "spoken language: ISO 639-1 code (sw, en, ...) or auto to detect it")
	translate := fs.Bool("translate", false, "print an English translation instead of the original language")
	format := fs.String("format", "text", "output format: text, json, srt or vtt")
	var ch channelFlags
	ch.register(fs, e.getenv)
	if v := e.getenv("OPENCHS_AI_VAD"); v != "" {
		if err := fs.Set("vad", v); err != nil {
			return usageError{fmt.Sprintf("OPENCHS_AI_VAD=%q: %v", v, err)}
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsageShown
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsageShown
	}
	if err := ch.validate(); err != nil {
		return err
	}
	write, ok := writers[*format]
	if !ok {
		return usageError{fmt.Sprintf("unknown --format %q: use text, json, srt or vtt", *format)}
	}
	path := fs.Arg(0)

	cfg := audio.Config{}
	if ch.mode == models.ChannelsSplit {
		cfg.Channels = audio.Split
	}
	sig, err := audio.DecodeFile(path, cfg)
	if err != nil {
		return err // it names the file
	}
	eng, err := mf.open(e.getenv, 1, nil)
	if err != nil {
		return err
	}
	defer eng.Close()
	tr, err := mf.speech(eng)
	if err != nil {
		return err
	}

	opts := pipeline.TranscribeOptions{Language: *lang, Translate: *translate}
	if bar := newProgressBar(e.stderr, filepath.Base(path)); bar != nil {
		opts.OnProgress = bar.set
		defer bar.done()
	}
	var t *models.Transcript
	if voices := pipeline.Voices(sig.Distinct(), ch.agentIndex()); voices != nil {
		t, err = pipeline.TranscribeVoices(ctx, tr, voices, opts)
	} else {
		t, err = tr.Transcribe(ctx, sig.Mono(), opts)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return write(e.stdout, t)
}

var writers = map[string]func(io.Writer, *models.Transcript) error{
	"text": func(w io.Writer, t *models.Transcript) error {
		if slices.ContainsFunc(t.Segments, func(s models.Segment) bool { return s.Speaker != "" }) {
			return subtitle.WriteDialogue(w, t.Segments)
		}
		_, err := fmt.Fprintln(w, t.Text)
		return err
	},
	"json": func(w io.Writer, t *models.Transcript) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(t)
	},
	"srt": func(w io.Writer, t *models.Transcript) error { return subtitle.WriteSRT(w, t.Segments) },
	"vtt": func(w io.Writer, t *models.Transcript) error { return subtitle.WriteVTT(w, t.Segments) },
}

// progressBar draws "name [#####     ]  50%" on a terminal.
type progressBar struct {
	w    io.Writer
	name string
	last int
}

// newProgressBar returns nil when w is not a terminal: logs and pipes stay clean.
func newProgressBar(w io.Writer, name string) *progressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	b := &progressBar{w: w, name: name, last: -1}
	b.set(0)
	return b
}

func (b *progressBar) set(p int) {
	if p == b.last {
		return
	}
	b.last = p
	const width = 30
	n := p * width / 100
	fmt.Fprintf(b.w, "\r%s [%s%s] %3d%%", b.name, strings.Repeat("#", n), strings.Repeat(" ", width-n), p)
}

func (b *progressBar) done() { fmt.Fprint(b.w, "\r\033[K") }
