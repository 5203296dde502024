package whisper

/*
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <whisper.h>
#include <ggml.h>
#include <ggml-backend.h>

extern void openchsWhisperProgress(uintptr_t h, int progress);
extern void openchsWhisperSegments(uintptr_t h, int n_new);

// A cancel flag lives in C memory so that whisper.cpp's worker threads can
// read it without calling into Go.
static bool openchs_encoder_begin(struct whisper_context *ctx, struct whisper_state *st, void *flag) {
	return __atomic_load_n((int *)flag, __ATOMIC_RELAXED) == 0;
}
static bool openchs_abort(void *flag) {
	return __atomic_load_n((int *)flag, __ATOMIC_RELAXED) != 0;
}
static void openchs_progress(struct whisper_context *ctx, struct whisper_state *st, int p, void *h) {
	openchsWhisperProgress((uintptr_t)h, p);
}
static void openchs_segments(struct whisper_context *ctx, struct whisper_state *st, int n, void *h) {
	openchsWhisperSegments((uintptr_t)h, n);
}
static void openchs_set_cancel(int *flag, int v) { __atomic_store_n(flag, v, __ATOMIC_RELAXED); }

static int openchs_full(struct whisper_context *ctx, struct whisper_full_params *p,
		const float *samples, int n, int *cancel, uintptr_t h, bool progress, bool segments) {
	p->encoder_begin_callback = openchs_encoder_begin;
	p->encoder_begin_callback_user_data = cancel;
	p->abort_callback = openchs_abort;
	p->abort_callback_user_data = cancel;
	p->progress_callback = progress ? openchs_progress : NULL;
	p->progress_callback_user_data = (void *)h;
	p->new_segment_callback = segments ? openchs_segments : NULL;
	p->new_segment_callback_user_data = (void *)h;
	return whisper_full(ctx, *p, samples, n);
}

// openchs_guards sets the thresholds with which whisper.cpp judges a
// window: decoded again at a higher temperature when its average token
// log-probability is below logprob or its entropy below entropy (a loop),
// and skipped as silence when its no-speech probability is above
// no_speech while its log-probability is below logprob.
static void openchs_guards(struct whisper_full_params *p, float no_speech, float logprob, float entropy) {
	p->no_speech_thold = no_speech;
	p->logprob_thold = logprob;
	p->entropy_thold = entropy;
}

static void openchs_log_discard(enum ggml_log_level level, const char *text, void *user) {}
static void openchs_quiet(bool quiet) {
	whisper_log_set(quiet ? openchs_log_discard : NULL, NULL);
	ggml_log_set(quiet ? openchs_log_discard : NULL, NULL);
}
static void openchs_load_backends(const char *dir) {
	if (dir && dir[0]) ggml_backend_load_all_from_path(dir); else ggml_backend_load_all();
}
static size_t openchs_backend_devices(void) { return ggml_backend_dev_count(); }

// openchs_malloc_tune keeps glibc from serving whisper.cpp's per-call
// buffers (a window's copy of the input, its mel spectrogram) from its
// heap once it has freed one: left to itself glibc raises its mmap
// threshold to the largest block freed, up to 32 MB, and the heap keeps
// the pages. Blocks of 1 MiB and more are mapped and given back on free.
#ifdef __GLIBC__
#include <malloc.h>
static void openchs_malloc_tune(void) { mallopt(M_MMAP_THRESHOLD, 1 << 20); }
#else
static void openchs_malloc_tune(void) {}
#endif
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync"
	"unicode"
	"unsafe"

	bindings "github.com/ggerganov/whisper.cpp/bindings/go"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
)

var _ pipeline.Transcriber = (*Engine)(nil)

// DefaultBackendDir is where ggml's CPU backends are loaded from when
// Config.BackendDir is empty; the build sets it to the provisioned
// runtime's directory. Empty means ggml's own search path.
var DefaultBackendDir = ""

// MinSamples is the shortest input the engine transcribes: 100 ms.
const MinSamples = SampleRate / 10

// SampleRate is the PCM rate the engine expects: whisper.cpp's, which
// must be the rate the pipeline decodes to.
const SampleRate = bindings.SampleRate

// Either difference overflows uint, and the build fails, unless the two
// rates are equal.
const _ = uint(SampleRate-pipeline.SampleRate) + uint(pipeline.SampleRate-SampleRate)

// Config configures an Engine.
type Config struct {
	// Model is the resolved model to load.
	Model Model
	// Threads, when set, is the number of CPU threads every transcription
	// uses. Zero lets the load decide (see budget): a lone recording gets
	// all of CPUs, up to MaxThreads, and concurrent ones share them.
	Threads int
	// CPUs is how many CPU threads the engine's transcriptions use in all;
	// the default is the CPUs as Go counts them (within a container's
	// limit). ggml's threads spin while they wait for each other, so more
	// threads than cores makes every transcription many times slower.
	CPUs int
	// Slots is the number of transcriptions that may run at once; each
	// slot loads its own copy of the model.
	Slots int
	// Demand, when set, reports how many recordings want transcribing
	// now, those in the engine included (a worker's tasks in hand and the
	// queue's backlog), so that a transcription starting while others
	// wait leaves them their share of the CPUs.
	Demand func() int
	// BackendDir holds ggml's run-time loaded CPU backends.
	BackendDir string
	// NoSpeechThreshold, LogProbThreshold and EntropyThreshold are
	// whisper.cpp's guards against text on silence and loops (see
	// DefaultNoSpeechThreshold). Zero means the default.
	NoSpeechThreshold, LogProbThreshold, EntropyThreshold float32
	// Verbose lets whisper.cpp and ggml write their own logs to stderr.
	Verbose bool
	// Logger receives the engine's own logs.
	Logger *slog.Logger
}

// Defaults of whisper.cpp's guards, OpenAI Whisper's own: a 30 s window
// whose no-speech probability exceeds 0.6 while its average token
// log-probability is below -1 is silence and yields no text; a window
// below -1, or whose token entropy is below 2.4 (text going round in a
// loop), is decoded again at a higher temperature. On this package's
// tests (silence, room noise, music, speech) they leave no invented text
// for the speech package's guards on music and keep every word of speech.
const (
	DefaultNoSpeechThreshold = 0.6
	DefaultLogProbThreshold  = -1.0
	DefaultEntropyThreshold  = 2.4
)

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.NoSpeechThreshold == 0 {
		c.NoSpeechThreshold = DefaultNoSpeechThreshold
	}
	if c.LogProbThreshold == 0 {
		c.LogProbThreshold = DefaultLogProbThreshold
	}
	if c.EntropyThreshold == 0 {
		c.EntropyThreshold = DefaultEntropyThreshold
	}
	if c.Slots <= 0 {
		c.Slots = 1
	}
	if c.CPUs <= 0 {
		c.CPUs = runtime.GOMAXPROCS(0)
		if c.Threads > 0 {
			c.CPUs = c.Threads * c.Slots
		}
	}
	if c.BackendDir == "" {
		c.BackendDir = DefaultBackendDir
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports a configuration the engine cannot run with.
func (c Config) Validate() error {
	if c.Model.Path == "" {
		return errors.New("whisper: no model path")
	}
	if c.Threads < 0 || c.Slots < 1 || c.CPUs < 1 {
		return fmt.Errorf("whisper: threads (%d) must not be negative, slots (%d) and CPUs (%d) must be at least 1", c.Threads, c.Slots, c.CPUs)
	}
	return nil
}

// Engine transcribes with whisper.cpp. It is safe for concurrent use; at
// most Config.Slots transcriptions run at once, the others wait.
//
// A slot's copy of the model is loaded the first time every loaded one is
// busy, and a transcription takes the slot used last: a lone call, read
// window after window, keeps to one model and its working memory (over
// 150 MB while it decodes) instead of warming every slot's.
type Engine struct {
	cfg    Config
	sem    chan struct{} // one token per transcription running
	budget *budget
	mu     sync.Mutex
	idle   []*slot // loaded and free, the one used last at the end
	all    []*slot
	once   sync.Once
}

// slot is one loaded model with its own cancel flag and its own OS
// thread, on which every call into the model runs (see do).
//
// ggml's CPU backend computes with an OpenMP team that belongs to the
// thread calling it; libgomp keeps a thread's team while the thread
// lives. Called from whichever thread Go's scheduler picked, whisper.cpp
// found a new thread at nearly every call and left a team on each, and
// with more libgomp threads alive than CPUs its barriers (thousands a
// window) stop spinning and sleep: 30 windows of 24 s took 38.7 s where
// the same calls from C took 22.8 s, and from one thread of its own,
// 22.8 s too. Two slots whose threads have both run 2-thread calls on 2
// CPUs are still more threads than CPUs; libgomp's settings answer that
// (see openMPSettings).
type slot struct {
	ctx    *bindings.Context
	cancel *C.int
	multi  bool
	calls  chan func()
}

// newSlot starts the slot's thread.
func newSlot(ctx *bindings.Context) *slot {
	s := &slot{ctx: ctx, cancel: (*C.int)(C.calloc(1, C.size_t(unsafe.Sizeof(C.int(0))))), multi: ctx.Whisper_is_multilingual() != 0, calls: make(chan func())}
	go func() {
		runtime.LockOSThread() // for good: the thread ends with the slot
		for f := range s.calls {
			f()
		}
	}()
	return s
}

// do runs f on the slot's thread and returns when it has; a panic in f
// is raised again in the caller.
func (s *slot) do(f func()) {
	done := make(chan any, 1)
	s.calls <- func() {
		defer func() { done <- recover() }()
		f()
	}
	if p := <-done; p != nil {
		panic(p)
	}
}

var backendsOnce sync.Once
var backendsErr error

// loadBackends loads ggml's CPU backend once per process, before the first
// model: whisper.cpp finds no device without it.
func loadBackends(dir string, verbose bool) error {
	backendsOnce.Do(func() {
		C.openchs_malloc_tune()
		C.openchs_quiet(C.bool(!verbose))
		cdir := C.CString(dir)
		defer C.free(unsafe.Pointer(cdir))
		C.openchs_load_backends(cdir)
		if C.openchs_backend_devices() == 0 {
			backendsErr = fmt.Errorf("whisper: no ggml compute backend found in %q (is the whisper runtime provisioned? run scripts/whisper-runtime.sh)", dir)
		}
	})
	return backendsErr
}

// Open loads the model for the first slot (the others load theirs when
// first needed).
func Open(cfg Config) (*Engine, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := loadBackends(cfg.BackendDir, cfg.Verbose); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, sem: make(chan struct{}, cfg.Slots), budget: newBudget(cfg.CPUs, cfg.maxThreads(), cfg.Slots, cfg.Demand)}
	s, err := e.load()
	if err != nil {
		return nil, err
	}
	e.idle = append(e.idle, s)
	cfg.Logger.Info("whisper model loaded", "model", cfg.Model.ID(), "slots", cfg.Slots, "cpus", cfg.CPUs, "threads", cfg.maxThreads())
	return e, nil
}

// load loads one more copy of the model.
func (e *Engine) load() (*slot, error) {
	ctx := bindings.Whisper_init(e.cfg.Model.Path)
	if ctx == nil {
		return nil, fmt.Errorf("whisper: cannot load model %s from %s (not a whisper.cpp ggml model?)", e.cfg.Model.Name, e.cfg.Model.Path)
	}
	s := newSlot(ctx)
	e.mu.Lock()
	e.all = append(e.all, s)
	e.mu.Unlock()
	return s, nil
}

// take waits for a free slot and returns it, loading a model when every
// loaded one is busy; give it back with give.
func (e *Engine) take(ctx context.Context) (*slot, error) {
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	e.mu.Lock()
	if n := len(e.idle); n > 0 {
		s := e.idle[n-1]
		e.idle = e.idle[:n-1]
		e.mu.Unlock()
		return s, nil
	}
	e.mu.Unlock()
	s, err := e.load()
	if err != nil {
		<-e.sem
		return nil, err
	}
	e.cfg.Logger.Info("whisper model loaded for another slot", "model", e.cfg.Model.ID())
	return s, nil
}

func (e *Engine) give(s *slot) {
	e.mu.Lock()
	e.idle = append(e.idle, s)
	e.mu.Unlock()
	<-e.sem
}

// Model names the loaded model as "name@sha256-prefix".
func (e *Engine) Model() string { return e.cfg.Model.ID() }

// CPUs is the number of CPU threads the engine's transcriptions use at
// most, all together.
func (e *Engine) CPUs() int { return e.cfg.CPUs }

// maxThreadsPerTranscription caps the threads of one transcription: past
// it whisper.cpp's encoder gains little and its decoder nothing.
const maxThreadsPerTranscription = 8

// maxThreads is the most threads one transcription uses.
func (c Config) maxThreads() int {
	if c.Threads > 0 {
		return c.Threads
	}
	return min(c.CPUs, maxThreadsPerTranscription)
}

// Close frees the models. Transcriptions must have finished.
func (e *Engine) Close() error {
	e.once.Do(func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, s := range e.all {
			s.do(s.ctx.Whisper_free)
			close(s.calls)
			C.free(unsafe.Pointer(s.cancel))
		}
		e.all, e.idle = nil, nil
	})
	return nil
}

// ErrUnknownLanguage reports a language code whisper does not know.
var ErrUnknownLanguage = errors.New("unknown language")

// Transcribe runs whisper on 16 kHz mono PCM. It returns ctx.Err() when ctx
// ends before the transcription does.
func (e *Engine) Transcribe(ctx context.Context, pcm []float32, opts pipeline.TranscribeOptions) (*models.Transcript, error) {
	if len(pcm) == 0 {
		return nil, fmt.Errorf("whisper: no audio samples: %w", pipeline.ErrAudioTooShort)
	}
	if len(pcm) < MinSamples {
		return nil, fmt.Errorf("whisper: %d ms of audio is shorter than the %d ms minimum: %w",
			len(pcm)*1000/SampleRate, MinSamples*1000/SampleRate, pipeline.ErrAudioTooShort)
	}
	lang := strings.ToLower(strings.TrimSpace(opts.Language))
	if lang == "" {
		lang = "auto"
	}
	if lang != "auto" && langID(lang) < 0 {
		return nil, fmt.Errorf("whisper: %q: %w", opts.Language, ErrUnknownLanguage)
	}

	s, err := e.take(ctx)
	if err != nil {
		return nil, err
	}
	defer e.give(s)
	threads, err := e.budget.take(ctx)
	if err != nil {
		return nil, err
	}
	defer e.budget.give(threads)
	var tr *models.Transcript
	s.do(func() { tr, err = e.run(ctx, s, pcm, lang, threads, opts) })
	return tr, err
}

// job is what the C callbacks reach through a cgo.Handle.
type job struct {
	s        *slot
	opts     pipeline.TranscribeOptions
	progress int
	segments []models.Segment
}

func (e *Engine) run(ctx context.Context, s *slot, pcm []float32, lang string, threads int, opts pipeline.TranscribeOptions) (*models.Transcript, error) {
	C.openchs_set_cancel(s.cancel, 0)
	cancelled := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		C.openchs_set_cancel(s.cancel, 1)
		close(cancelled)
	})
	defer func() {
		// A cancel that fired must land before the slot serves the next job.
		if !stop() {
			<-cancelled
		}
	}()

	t := &models.Transcript{
		Language:   lang,
		Translated: opts.Translate,
		Duration:   models.Seconds(float64(len(pcm)) / SampleRate),
		Speech:     models.Seconds(float64(len(pcm)) / SampleRate),
		Model:      e.cfg.Model.ID(),
	}
	if !s.multi && lang != "en" && lang != "auto" {
		return nil, fmt.Errorf("whisper: model %s is English-only and cannot read %q", e.cfg.Model.Name, lang)
	}
	if lang == "auto" {
		if s.multi {
			id, p, err := detectLanguage(s, pcm, threads)
			if err != nil {
				return nil, err
			}
			t.Language, t.LanguageProb = bindings.Whisper_lang_str(id), p
		} else {
			t.Language, t.LanguageProb = "en", 1
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}

	params := s.ctx.Whisper_full_default_params(bindings.SAMPLING_GREEDY)
	params.SetThreads(threads)
	params.SetTranslate(opts.Translate)
	params.SetPrintProgress(false)
	params.SetPrintRealtime(false)
	params.SetPrintTimestamps(false)
	if err := params.SetLanguage(langID(t.Language)); err != nil {
		return nil, fmt.Errorf("whisper: language %q: %w", t.Language, err)
	}
	if opts.Temperature > 0 {
		params.SetTemperature(float32(opts.Temperature))
	}
	if opts.Words {
		(*C.struct_whisper_full_params)(unsafe.Pointer(&params)).token_timestamps = C.bool(true)
	}
	if opts.Prompt != "" {
		// Set here rather than with the bindings' SetInitialPrompt, whose
		// C string is never freed.
		prompt := C.CString(opts.Prompt)
		defer C.free(unsafe.Pointer(prompt))
		(*C.struct_whisper_full_params)(unsafe.Pointer(&params)).initial_prompt = prompt
	}

	C.openchs_guards((*C.struct_whisper_full_params)(unsafe.Pointer(&params)),
		C.float(e.cfg.NoSpeechThreshold), C.float(e.cfg.LogProbThreshold), C.float(e.cfg.EntropyThreshold))

	j := &job{s: s, opts: opts}
	h := cgo.NewHandle(j)
	defer h.Delete()
	rc := C.openchs_full((*C.struct_whisper_context)(unsafe.Pointer(s.ctx)),
		(*C.struct_whisper_full_params)(unsafe.Pointer(&params)),
		(*C.float)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)), s.cancel, C.uintptr_t(h),
		C.bool(opts.OnProgress != nil), C.bool(true))
	runtime.KeepAlive(pcm)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if rc != 0 {
		return nil, fmt.Errorf("whisper: transcription failed (whisper_full returned %d)", int(rc))
	}
	// Segments the callback did not deliver (it reports each batch once).
	j.collect(s.ctx.Whisper_full_n_segments())
	t.Segments = j.segments
	t.Text = models.JoinSegments(t.Segments)
	if opts.OnProgress != nil && j.progress < 100 {
		opts.OnProgress(100)
	}
	return t, nil
}

// collect reads the context's segments from len(j.segments) up to n.
func (j *job) collect(n int) {
	for i := len(j.segments); i < n; i++ {
		seg := models.Segment{
			Start:        models.Seconds(float64(j.s.ctx.Whisper_full_get_segment_t0(i)) / 100),
			End:          models.Seconds(float64(j.s.ctx.Whisper_full_get_segment_t1(i)) / 100),
			Text:         strings.TrimSpace(j.s.ctx.Whisper_full_get_segment_text(i)),
			NoSpeechProb: float32(C.whisper_full_get_segment_no_speech_prob((*C.struct_whisper_context)(unsafe.Pointer(j.s.ctx)), C.int(i))),
		}
		if j.opts.Words {
			seg.Words = j.words(i)
		}
		j.segments = append(j.segments, seg)
		if j.opts.OnSegment != nil {
			j.opts.OnSegment(seg)
		}
	}
}

// words reads segment i's words from its tokens' timestamps: a token that
// starts with a space starts a word, the others continue it; special
// tokens and punctuation are left out.
func (j *job) words(i int) []models.Word {
	ctx := (*C.struct_whisper_context)(unsafe.Pointer(j.s.ctx))
	eot := C.whisper_token_eot(ctx)
	var words []models.Word
	var cur *models.Word
	flush := func() {
		if cur != nil {
			if w := strings.TrimFunc(cur.Word, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) }); w != "" {
				cur.Word = w
				words = append(words, *cur)
			}
			cur = nil
		}
	}
	for k := range int(C.whisper_full_n_tokens(ctx, C.int(i))) {
		d := C.whisper_full_get_token_data(ctx, C.int(i), C.int(k))
		if d.id >= eot {
			continue
		}
		text := C.GoString(C.whisper_full_get_token_text(ctx, C.int(i), C.int(k)))
		start, end := models.Seconds(float64(d.t0)/100), models.Seconds(float64(d.t1)/100)
		if cur == nil || strings.HasPrefix(text, " ") {
			flush()
			cur = &models.Word{Start: start}
		}
		cur.Word += text
		cur.End = max(end, cur.Start)
	}
	flush()
	return words
}

//export openchsWhisperProgress
func openchsWhisperProgress(h C.uintptr_t, p C.int) {
	j := cgo.Handle(h).Value().(*job)
	if v := int(p); v > j.progress && j.opts.OnProgress != nil {
		j.progress = min(v, 100)
		j.opts.OnProgress(j.progress)
	}
}

//export openchsWhisperSegments
func openchsWhisperSegments(h C.uintptr_t, n C.int) {
	j := cgo.Handle(h).Value().(*job)
	j.collect(j.s.ctx.Whisper_full_n_segments())
}

// detectLanguage reads the first 30 s and returns the most probable
// language and its probability.
func detectLanguage(s *slot, pcm []float32, threads int) (int, float32, error) {
	head := pcm[:min(len(pcm), 30*SampleRate)]
	if err := s.ctx.Whisper_pcm_to_mel(head, threads); err != nil {
		return 0, 0, fmt.Errorf("whisper: language detection: %w", err)
	}
	probs, err := s.ctx.Whisper_lang_auto_detect(0, threads)
	if err != nil {
		return 0, 0, fmt.Errorf("whisper: language detection: %w", err)
	}
	best, bestP := -1, float32(math.Inf(-1))
	for id, p := range probs {
		if p > bestP {
			best, bestP = id, p
		}
	}
	if best < 0 {
		return 0, 0, errors.New("whisper: language detection found no language")
	}
	return best, bestP, nil
}

// langID returns whisper's id for an ISO 639-1 code or language name, or -1.
func langID(code string) int {
	c := C.CString(code)
	defer C.free(unsafe.Pointer(c))
	return int(C.whisper_lang_id(c))
}
