package whisper

import (
	"context"
	"strings"
	"testing"

	"github.com/openchs/openchs-ai/pipeline"
)

// Word timings: the words of each segment, in order and within it, read
// the segment's text without its punctuation.
func TestWords(t *testing.T) {
	e := testEngine(t)
	tr, err := e.Transcribe(context.Background(), jfkPCM(t), pipeline.TranscribeOptions{Language: "en", Words: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sg := range tr.Segments {
		var words []string
		prev := sg.Start
		for _, w := range sg.Words {
			words = append(words, w.Word)
			if w.Start < prev-0.01 || w.End < w.Start || w.End > sg.End+0.01 {
				t.Errorf("word %+v out of order or outside its segment [%v, %v]", w, sg.Start, sg.End)
			}
			prev = w.Start
		}
		if got, want := strings.Join(words, " "), normalizeKeepCase(sg.Text); got != want {
			t.Errorf("words %q, segment text %q", got, want)
		}
		n += len(words)
	}
	if n != 22 || tr.Segments[0].Words[0].Word != "And" || tr.Segments[len(tr.Segments)-1].Words[len(tr.Segments[len(tr.Segments)-1].Words)-1].End < 9 {
		t.Errorf("%d words, want the sentence's 22 from 0 s to about 10 s: %+v", n, tr.Segments)
	}
}

// normalizeKeepCase drops the punctuation around words.
func normalizeKeepCase(s string) string {
	f := strings.Fields(s)
	for i := range f {
		f[i] = strings.Trim(f[i], ".,;:!?\"'")
	}
	return strings.Join(f, " ")
}
