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
