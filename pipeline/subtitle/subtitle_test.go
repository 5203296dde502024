package subtitle

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/models"
)

var segs = []models.Segment{
	{Start: 0, End: 7.6, Text: " And so my fellow Americans,"},
	{Start: 7.6, End: 7.6, Text: "   "},
	{Start: 7.6, End: 3725.0405, Text: "ask not --> what\n\nyour country"},
}

func TestWriteSRT(t *testing.T) {
	var b strings.Builder
	if err := WriteSRT(&b, segs); err != nil {
		t.Fatal(err)
	}
	want := "1\n00:00:00,000 --> 00:00:07,600\nAnd so my fellow Americans,\n\n" +
		"2\n00:00:07,600 --> 01:02:05,041\nask not --> what\nyour country\n\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("SRT (-want +got):\n%s", diff)
	}
}

func TestWriteVTT(t *testing.T) {
	var b strings.Builder
	if err := WriteVTT(&b, segs); err != nil {
		t.Fatal(err)
	}
	want := "WEBVTT\n\n00:00:00.000 --> 00:00:07.600\nAnd so my fellow Americans,\n\n" +
		"00:00:07.600 --> 01:02:05.041\nask not -> what\nyour country\n\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("VTT (-want +got):\n%s", diff)
	}
}

var dialogue = []models.Segment{
	{Start: 0, End: 2, Text: " How can I help you?", Speaker: models.SpeakerAgent},
	{Start: 2.5, End: 4, Text: "My father beats me.", Speaker: models.SpeakerCaller},
	{Start: 4, End: 5, Text: " Every day.", Speaker: models.SpeakerCaller},
	{Start: 5.5, End: 6, Text: "Are you safe now?", Speaker: models.SpeakerAgent},
}

// A call transcribed as two speakers reads as a dialogue in every format.
func TestDialogue(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(*strings.Builder, []models.Segment) error
		want  string
	}{
		{"text", func(b *strings.Builder, s []models.Segment) error { return WriteDialogue(b, s) },
			"Agent: How can I help you?\nCaller: My father beats me. Every day.\nAgent: Are you safe now?\n"},
		{"text without speakers", func(b *strings.Builder, s []models.Segment) error { return WriteDialogue(b, segs) },
			"And so my fellow Americans, ask not --> what\n\nyour country\n"},
		{"srt", func(b *strings.Builder, s []models.Segment) error { return WriteSRT(b, s[:2]) },
			"1\n00:00:00,000 --> 00:00:02,000\nAgent: How can I help you?\n\n" +
				"2\n00:00:02,500 --> 00:00:04,000\nCaller: My father beats me.\n\n"},
		{"vtt", func(b *strings.Builder, s []models.Segment) error { return WriteVTT(b, s[:2]) },
			"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Agent>How can I help you?\n\n" +
				"00:00:02.500 --> 00:00:04.000\n<v Caller>My father beats me.\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := tc.write(&b, dialogue); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
