package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/subtitle"
)

// openAIUsage is the audio a request was billed for, in whole seconds.
type openAIUsage struct {
	Type    string `json:"type"`
	Seconds int    `json:"seconds"`
}

func usageOf(d models.Seconds) openAIUsage {
	return openAIUsage{Type: "duration", Seconds: int(math.Ceil(float64(d)))}
}

// verboseTranscript is response_format verbose_json.
type verboseTranscript struct {
	Task     string           `json:"task"`
	Language string           `json:"language"`
	Duration models.Seconds   `json:"duration"`
	Text     string           `json:"text"`
	Segments []verboseSegment `json:"segments,omitempty"`
	Words    []models.Word    `json:"words,omitempty"`
	Usage    openAIUsage      `json:"usage"`
}

// verboseSegment is a segment of verbose_json. Whisper's token ids, mean
// log probability and compression ratio are not kept by the pipeline and
// are left out.
type verboseSegment struct {
	ID           int            `json:"id"`
	Seek         int            `json:"seek"`
	Start        models.Seconds `json:"start"`
	End          models.Seconds `json:"end"`
	Text         string         `json:"text"`
	Temperature  float64        `json:"temperature"`
	NoSpeechProb float32        `json:"no_speech_prob"`
}

// textEvent is an event of a streamed transcription.
type textEvent struct {
	Type  string       `json:"type"`
	Delta string       `json:"delta,omitempty"`
	Text  string       `json:"text,omitempty"`
	Usage *openAIUsage `json:"usage,omitempty"`
}

// writeTranscript answers a /v1/audio request with tr in req's format.
func writeTranscript(w http.ResponseWriter, tr *transcript, req *openAIRequest) {
	var b bytes.Buffer
	switch req.format {
	case formatJSON:
		writeJSON(w, http.StatusOK, map[string]any{"text": tr.text, "usage": usageOf(tr.duration)})
		return
	case formatVerboseJSON:
		task := "transcribe"
		if req.translate {
			task = "translate"
		}
		v := verboseTranscript{Task: task, Language: languageName(tr.language), Duration: tr.duration, Text: tr.text,
			Usage: usageOf(tr.duration)}
		if req.segments {
			v.Segments = make([]verboseSegment, len(tr.segments))
			for i, sg := range tr.segments {
				v.Segments[i] = verboseSegment{ID: i, Seek: int(math.Round(float64(sg.Start) * 100)), Start: sg.Start, End: sg.End,
					Text: sg.Text, Temperature: req.temperature, NoSpeechProb: sg.NoSpeechProb}
			}
		}
		if req.words {
			v.Words = []models.Word{}
			for _, sg := range tr.segments {
				v.Words = append(v.Words, sg.Words...)
			}
		}
		writeJSON(w, http.StatusOK, v)
		return
	case formatText:
		b.WriteString(tr.text + "\n")
	case formatSRT:
		_ = subtitle.WriteSRT(&b, tr.segments)
	case formatVTT:
		_ = subtitle.WriteVTT(&b, tr.segments)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

// streamTranscript answers a stream=true transcription with server-sent
// events as OpenAI sends them: a transcript.text.delta per segment as it is
// decoded, then transcript.text.done with the whole text, or an error
// object. Comments keep a quiet stream open.
func (s *Server) streamTranscript(w http.ResponseWriter, r *http.Request, taskID string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	defer rc.SetWriteDeadline(time.Time{})
	write := func(frame []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		if _, err := w.Write(frame); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	send := func(v any) bool {
		data, err := json.Marshal(v)
		if err != nil {
			return false
		}
		return write(fmt.Appendf(nil, "data: %s\n\n", data))
	}
	first := true
	delta := func(sg models.Segment) bool {
		text := strings.TrimSpace(sg.Text)
		if text == "" {
			return true
		}
		if !first {
			text = " " + text
		}
		first = false
		return send(textEvent{Type: "transcript.text.delta", Delta: text})
	}
	o := s.follow(r.Context(), taskID, delta, func() bool { return write([]byte(": keep-alive\n\n")) })
	if r.Context().Err() != nil {
		return
	}
	tr, herr := o.transcript(taskID, false)
	if herr != nil {
		send(openAIErrorOf(herr))
		return
	}
	u := usageOf(tr.duration)
	send(textEvent{Type: "transcript.text.done", Text: tr.text, Usage: &u})
}

// languageName is the English name Whisper gives the language with ISO
// 639-1 code, as verbose_json reports it; the code itself for another.
func languageName(code string) string {
	if n, ok := whisperLanguageNames[code]; ok {
		return n
	}
	return code
}

var whisperLanguageNames = map[string]string{}

func init() {
	for _, pair := range strings.Split(`en english,zh chinese,de german,es spanish,ru russian,ko korean,fr french,
		ja japanese,pt portuguese,tr turkish,pl polish,ca catalan,nl dutch,ar arabic,sv swedish,it italian,
		id indonesian,hi hindi,fi finnish,vi vietnamese,he hebrew,uk ukrainian,el greek,ms malay,cs czech,
		ro romanian,da danish,hu hungarian,ta tamil,no norwegian,th thai,ur urdu,hr croatian,bg bulgarian,
		lt lithuanian,la latin,mi maori,ml malayalam,cy welsh,sk slovak,te telugu,fa persian,lv latvian,
		bn bengali,sr serbian,az azerbaijani,sl slovenian,kn kannada,et estonian,mk macedonian,br breton,
		eu basque,is icelandic,hy armenian,ne nepali,mn mongolian,bs bosnian,kk kazakh,sq albanian,sw swahili,
		gl galician,mr marathi,pa punjabi,si sinhala,km khmer,sn shona,yo yoruba,so somali,af afrikaans,
		oc occitan,ka georgian,be belarusian,tg tajik,sd sindhi,gu gujarati,am amharic,yi yiddish,lo lao,
		uz uzbek,fo faroese,ht haitian creole,ps pashto,tk turkmen,nn nynorsk,mt maltese,sa sanskrit,
		lb luxembourgish,my myanmar,bo tibetan,tl tagalog,mg malagasy,as assamese,tt tatar,haw hawaiian,
		ln lingala,ha hausa,ba bashkir,jw javanese,su sundanese,yue cantonese`, ",") {
		code, name, _ := strings.Cut(strings.TrimSpace(pair), " ")
		whisperLanguageNames[code] = name
	}
}
