// Package subtitle writes timed transcript segments as SubRip (SRT) and
// WebVTT subtitles, and as a dialogue in plain text. Segments that name
// their speaker (a call transcribed channel by channel) are prefixed with
// it: "Agent: ..." in SRT and text, a voice span "<v Agent>" in WebVTT.
package subtitle

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/models"
)

// WriteSRT writes segs as SubRip: numbered cues, "00:00:01,500" times.
func WriteSRT(w io.Writer, segs []models.Segment) error {
	bw := bufio.NewWriter(w)
	n := 0
	for _, s := range segs {
		text := cueText(s.Text)
		if text == "" {
			continue
		}
		n++
		if who := Speaker(s); who != "" {
			text = who + ": " + text
		}
		fmt.Fprintf(bw, "%d\n%s --> %s\n%s\n\n", n, stamp(s.Start, ','), stamp(end(s), ','), text)
	}
	return bw.Flush()
}

// WriteVTT writes segs as WebVTT: a header, then "00:00:01.500" times.
func WriteVTT(w io.Writer, segs []models.Segment) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("WEBVTT\n\n")
	for _, s := range segs {
		text := cueText(s.Text)
		if text == "" {
			continue
		}
		// "-->" may not appear in a WebVTT cue's text.
		text = strings.ReplaceAll(text, "-->", "->")
		if who := Speaker(s); who != "" {
			text = "<v " + who + ">" + text
		}
		fmt.Fprintf(bw, "%s --> %s\n%s\n\n", stamp(s.Start, '.'), stamp(end(s), '.'), text)
	}
	return bw.Flush()
}

// WriteDialogue writes segs as plain text: one line per turn, "Agent: ..."
// or "Caller: ...", consecutive segments of one speaker joined. Segments
// without a speaker are joined into one line, as a mixed recording's
// transcript reads.
func WriteDialogue(w io.Writer, segs []models.Segment) error {
	bw := bufio.NewWriter(w)
	var turn []models.Segment
	flush := func() {
		if text := models.JoinSegments(turn); text != "" {
			if who := Speaker(turn[0]); who != "" {
				text = who + ": " + text
			}
			bw.WriteString(text + "\n")
		}
		turn = turn[:0]
	}
	for _, s := range segs {
		if len(turn) > 0 && turn[0].Speaker != s.Speaker {
			flush()
		}
		turn = append(turn, s)
	}
	flush()
	return bw.Flush()
}

// Speaker is the label of a segment's speaker ("Agent", "Caller"), or ""
// when it names none.
func Speaker(s models.Segment) string {
	if s.Speaker == "" {
		return ""
	}
	return strings.ToUpper(s.Speaker[:1]) + s.Speaker[1:]
}

// cueText trims a segment's text and drops blank lines, which would end a cue.
func cueText(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// end keeps every cue at least one millisecond long.
func end(s models.Segment) models.Seconds {
	if s.End <= s.Start {
		return s.Start + 0.001
	}
	return s.End
}

func stamp(s models.Seconds, sep byte) string {
	d := s.Duration().Round(time.Millisecond)
	if d < 0 {
		d = 0
	}
	h := d / time.Hour
	m := d % time.Hour / time.Minute
	sec := d % time.Minute / time.Second
	ms := d % time.Second / time.Millisecond
	return fmt.Sprintf("%02d:%02d:%02d%c%03d", h, m, sec, sep, ms)
}
