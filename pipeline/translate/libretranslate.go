package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/retryafter"
)

// LibreTranslate translates text with an HTTP service speaking the
// LibreTranslate API: POST {URL}/translate with {q, source, target,
// format, api_key} returns {translatedText}, errors {error}.
type LibreTranslate struct {
	cfg      Config
	endpoint string
}

var _ Translator = (*LibreTranslate)(nil)

// NewLibreTranslate returns a LibreTranslate client for cfg.
func NewLibreTranslate(cfg Config) (*LibreTranslate, error) {
	cfg = cfg.WithDefaults()
	cfg.Backend = BackendLibreTranslate
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &LibreTranslate{cfg: cfg, endpoint: strings.TrimRight(cfg.URL, "/") + "/translate"}, nil
}

// Name implements Translator.
func (l *LibreTranslate) Name() string { return BackendLibreTranslate }

// piece is one request's worth of a transcript: consecutive segments (or
// part of one long segment) and their time range.
type piece struct {
	text       string
	start, end models.Seconds
	// channel and speaker are those of the piece's segments: a piece
	// never joins two speakers' words.
	channel *int
	speaker string
}

// Translate implements Translator. Consecutive segments are grouped into
// requests of at most MaxChunkChars, cut on sentence boundaries; each
// request becomes one translated segment spanning its source segments'
// times.
func (l *LibreTranslate) Translate(ctx context.Context, req Request) (*models.Transcript, error) {
	if req.Transcript == nil {
		return nil, errors.New("no transcript to translate")
	}
	source := req.Transcript.Language
	if source == "" {
		source = "auto"
	}
	pieces := l.pieces(req.Transcript)
	results := make([]string, len(pieces))
	errs := make([]error, len(pieces))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, l.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, p := range pieces {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], errs[i] = l.text(ctx, p.text, source)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("translate part %d of %d: %w", i+1, len(pieces), err)
		}
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("translate part %d of %d: %w", i+1, len(pieces), err)
		}
	}
	out := &models.Transcript{Language: l.cfg.Target, Translated: true, Duration: req.Transcript.Duration, Segments: []models.Segment{}}
	for i, p := range pieces {
		out.Segments = append(out.Segments, models.Segment{Start: p.start, End: p.end, Text: results[i], Channel: p.channel, Speaker: p.speaker})
	}
	out.Text = models.JoinSegments(out.Segments)
	return out, nil
}

// pieces groups t's segments (or, without segments, its text) into
// request-sized pieces.
func (l *LibreTranslate) pieces(t *models.Transcript) []piece {
	max := l.cfg.MaxChunkChars
	segs := t.Segments
	if len(segs) == 0 {
		segs = []models.Segment{{Text: t.Text, End: t.Duration}}
	}
	var out []piece
	var cur *piece
	for _, s := range segs {
		text := strings.TrimSpace(s.Text)
		if text == "" {
			continue
		}
		if len(text) > max {
			cur = nil
			for _, c := range chunkText(text, max) {
				out = append(out, piece{text: c, start: s.Start, end: s.End, channel: s.Channel, speaker: s.Speaker})
			}
			continue
		}
		if cur != nil && cur.speaker == s.Speaker && len(cur.text)+1+len(text) <= max {
			cur.text += " " + text
			cur.end = s.End
			continue
		}
		out = append(out, piece{text: text, start: s.Start, end: s.End, channel: s.Channel, speaker: s.Speaker})
		cur = &out[len(out)-1]
	}
	return out
}

// Text translates text from source into the target language, chunking it
// on sentence boundaries.
func (l *LibreTranslate) Text(ctx context.Context, text, source string) (string, error) {
	var parts []string
	for _, c := range chunkText(text, l.cfg.MaxChunkChars) {
		t, err := l.text(ctx, c, source)
		if err != nil {
			return "", err
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " "), nil
}

// text sends one request, retrying failures on the server's side.
func (l *LibreTranslate) text(ctx context.Context, q, source string) (string, error) {
	var err error
	for attempt := 0; attempt <= l.cfg.Retries; attempt++ {
		if attempt > 0 {
			wait := l.cfg.RetryBackoff
			var ra retryAfter
			if errors.As(err, &ra) && ra.d > wait {
				wait = min(ra.d, 10*l.cfg.RetryBackoff)
			}
			select {
			case <-ctx.Done():
				return "", fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
			case <-time.After(wait):
			}
		}
		var out string
		out, err = l.once(ctx, q, source)
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
			return "", err
		}
	}
	return "", err
}

type retryAfter struct{ d time.Duration }

func (r retryAfter) Error() string { return "retry after " + r.d.String() }

type ltRequest struct {
	Q      string `json:"q"`
	Source string `json:"source"`
	Target string `json:"target"`
	Format string `json:"format"`
	APIKey string `json:"api_key,omitempty"`
}

type ltResponse struct {
	TranslatedText string `json:"translatedText"`
	Error          string `json:"error"`
}

// maxResponse bounds a response body.
const maxResponse = 8 << 20

func (l *LibreTranslate) once(ctx context.Context, q, source string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	body, err := json.Marshal(ltRequest{Q: q, Source: source, Target: l.cfg.Target, Format: "text", APIKey: l.cfg.APIKey})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrRejected, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := l.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return "", fmt.Errorf("%w: read response: %w", ErrUnavailable, err)
	}
	var r ltResponse
	jsonErr := json.Unmarshal(data, &r)
	if resp.StatusCode != http.StatusOK {
		msg := r.Error
		if jsonErr != nil || msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		err := fmt.Errorf("libretranslate: %d %s", resp.StatusCode, msg)
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			if d := retryafter.Parse(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
				return "", fmt.Errorf("%w: %w (%w)", ErrUnavailable, err, retryAfter{d})
			}
			return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return "", fmt.Errorf("%w: %w", ErrRejected, err)
	}
	if jsonErr != nil {
		return "", fmt.Errorf("%w: libretranslate: undecodable response: %w", ErrUnavailable, jsonErr)
	}
	if r.Error != "" {
		return "", fmt.Errorf("%w: libretranslate: %s", ErrRejected, r.Error)
	}
	return r.TranslatedText, nil
}
