package translate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
)

// Translator turns a call into English.
type Translator interface {
	// Translate returns the translation of req as a transcript in the
	// target language, with timed segments.
	Translate(ctx context.Context, req Request) (*models.Transcript, error)
	// Name names the backend ("whisper", "libretranslate").
	Name() string
}

// Request is the call to translate. Text backends read Transcript; the
// Whisper backend reads PCM and uses Transcript only for its language.
type Request struct {
	Transcript *models.Transcript
	// PCM is the recording as 16 kHz mono float32, for the Whisper
	// backend; Audio, when set, is read instead.
	PCM   []float32
	Audio pipeline.PCM
	// Voices, when set, are the recording's channels transcribed as
	// separate speakers: the Whisper backend translates each (PCM is then
	// unused) and labels the segments with their speakers.
	Voices []pipeline.Voice
}

// Backends.
const (
	BackendWhisper        = "whisper"
	BackendLibreTranslate = "libretranslate"
)

// Errors a Translator wraps.
var (
	// ErrNoAudio: the Whisper backend was given no audio.
	ErrNoAudio = errors.New("no audio to translate")
	// ErrUnavailable: the backend could not be reached, timed out or
	// failed on its side (5xx); a later attempt may work.
	ErrUnavailable = errors.New("translation backend unavailable")
	// ErrRejected: the backend refused the request (4xx); retrying the
	// same request will not help.
	ErrRejected = errors.New("translation request rejected")
)

// Config selects and tunes a backend.
type Config struct {
	// Backend is "whisper" (the default) or "libretranslate".
	Backend string
	// Target is the language to translate into; "en" by default.
	Target string
	// URL is the LibreTranslate server's base URL (http://host:5000).
	URL string
	// APIKey is sent as api_key when set.
	APIKey string
	// Timeout bounds one HTTP request; 30s by default.
	Timeout time.Duration
	// Retries is how many times a request that failed on the server's
	// side or timed out is tried again; 1 by default, -1 for none.
	Retries int
	// RetryBackoff is the wait before a retry; 500ms by default.
	RetryBackoff time.Duration
	// MaxChunkChars bounds the text of one request; 1000 by default.
	MaxChunkChars int
	// Concurrency bounds the requests in flight for one call; 2 by default.
	Concurrency int
	// HTTPClient, when set, sends the requests.
	HTTPClient *http.Client
}

// WithDefaults returns c with unset fields filled in.
func (c Config) WithDefaults() Config {
	if c.Backend == "" {
		c.Backend = BackendWhisper
	}
	if c.Target == "" {
		c.Target = "en"
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Retries == 0 {
		c.Retries = 1
	}
	if c.Retries < 0 {
		c.Retries = 0
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = 500 * time.Millisecond
	}
	if c.MaxChunkChars == 0 {
		c.MaxChunkChars = 1000
	}
	if c.Concurrency == 0 {
		c.Concurrency = 2
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	return c
}

// Validate reports whether c can be used.
func (c Config) Validate() error {
	var errs []error
	switch c.Backend {
	case BackendWhisper:
	case BackendLibreTranslate:
		if !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
			errs = append(errs, fmt.Errorf("libretranslate needs an http(s) URL, got %q", c.URL))
		}
	default:
		errs = append(errs, fmt.Errorf("translation backend %q is not whisper or libretranslate", c.Backend))
	}
	if c.Timeout < 0 || c.RetryBackoff < 0 {
		errs = append(errs, errors.New("negative timeout or backoff"))
	}
	if c.MaxChunkChars < 50 {
		errs = append(errs, fmt.Errorf("max chunk of %d characters is too small", c.MaxChunkChars))
	}
	if c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency %d is below 1", c.Concurrency))
	}
	return errors.Join(errs...)
}

// New builds the backend cfg names. The Whisper backend translates with t,
// which must be set for it.
func New(cfg Config, t pipeline.Transcriber) (Translator, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch cfg.Backend {
	case BackendLibreTranslate:
		return NewLibreTranslate(cfg)
	default:
		if t == nil {
			return nil, errors.New("the whisper translation backend needs a transcriber")
		}
		return NewWhisper(t), nil
	}
}

// Run translates req with tr into target ("en" when empty) and never
// fails: a call already in the target language is skipped, and a backend
// error is reported in the result, whose Status is then failed.
func Run(ctx context.Context, tr Translator, req Request, target string) *models.Translation {
	if target == "" {
		target = "en"
	}
	out := &models.Translation{TargetLanguage: target}
	if tr != nil {
		out.Backend = tr.Name()
	}
	if req.Transcript != nil {
		out.SourceLanguage = req.Transcript.Language
	}
	if base(out.SourceLanguage) == base(target) {
		out.Status = models.TranslationSkipped
		if req.Transcript != nil {
			out.Text, out.Segments = req.Transcript.Text, req.Transcript.Segments
		}
		return out
	}
	if tr == nil {
		out.Status, out.Error = models.TranslationFailed, "no translation backend configured"
		return out
	}
	t, err := tr.Translate(ctx, req)
	switch {
	case err != nil:
		out.Status, out.Error = models.TranslationFailed, err.Error()
	case t == nil:
		out.Status, out.Error = models.TranslationFailed, "backend returned no translation"
	default:
		out.Status, out.Text, out.Segments = models.TranslationDone, t.Text, t.Segments
	}
	return out
}

// base returns the primary subtag of a language tag: "en-GB" -> "en".
func base(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}
